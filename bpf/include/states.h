/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* TCP states as the kernel numbers them (include/net/tcp_states.h); vmlinux.h has them as an enum
 * only when BTF kept it, so name them here for the BPF side. */
#ifndef __SONDE_STATES_H
#define __SONDE_STATES_H

#define SONDE_TCP_ESTABLISHED 1
#define SONDE_TCP_SYN_SENT 2
#define SONDE_TCP_SYN_RECV 3
#define SONDE_TCP_FIN_WAIT1 4
#define SONDE_TCP_FIN_WAIT2 5
#define SONDE_TCP_TIME_WAIT 6
#define SONDE_TCP_CLOSE 7
#define SONDE_TCP_CLOSE_WAIT 8
#define SONDE_TCP_LAST_ACK 9
#define SONDE_TCP_LISTEN 10
#define SONDE_TCP_CLOSING 11
#define SONDE_TCP_NEW_SYN_RECV 12

#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif

#endif /* __SONDE_STATES_H */
