/* Shared by fixture.bpf.c and the tests (which decode struct event by hand). */
#ifndef SONDE_FIXTURE_H
#define SONDE_FIXTURE_H

/* 24 bytes: a ring buffer record is 4 (length) + 24 = 28, padded to 32 */
struct event {
	__u64 seq;
	__u32 tgid;
	__u32 magic;
	__s32 stack_id;
	__u32 nr;
};

#endif
