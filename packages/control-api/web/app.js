// The sonde web page: catalogue, a job form generated from each probe's params JSON schema,
// running jobs with live progress (polling, plus the events stream for event probes), and
// finished results with the histogram SVG and tables. Plain DOM, no build step; a result's shape is
// read with probe-sdk's own output.js (served at /ui/output.js), as the server reads it.
import { isEventsDecl, isRowsDecl, keyName, keyedHistograms, totalHistogram } from './output.js';

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
};

const FINISHED = ['succeeded', 'stopped', 'failed', 'interrupted'];
let probes = [];
let selected = null;
const streams = new Map(); // job id → AbortController of its live event stream

function token() {
  return localStorage.getItem('sonde.token') || '';
}

async function api(path, init = {}) {
  const headers = new Headers(init.headers || {});
  if (token()) headers.set('authorization', `Bearer ${token()}`);
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) $('.token').hidden = false;
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    try {
      const p = await res.json();
      detail = p.detail || p.title || detail;
    } catch {}
    throw new Error(detail);
  }
  return res;
}

// ---- durations and params, as the CLI reads them -------------------------------------------

export function parseDuration(s) {
  const t = String(s).trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0, at = 0, m;
  while (at < t.length && (m = re.exec(t))) { total += Number(m[1]) * unit[m[2]]; at = re.lastIndex; }
  if (!t || at !== t.length) throw new Error(`invalid duration '${s}' (e.g. 500ms, 30s, 2m)`);
  return Math.round(total);
}

function jsonOr(v) {
  try { return JSON.parse(v); } catch { return v; }
}

function fieldValue(raw, schema) {
  const v = jsonOr(raw);
  if (typeof v === 'string' && raw.includes(',') && !/^\s*["[{]/.test(raw)) return raw.split(',').map((p) => jsonOr(p.trim()));
  if (schema && schema.type === 'string' && typeof v !== 'string') return raw;
  return v;
}

// ---- catalogue and form ------------------------------------------------------------------

async function loadProbes() {
  const { probes: list } = await (await api('/v1/probes')).json();
  probes = list;
  const ul = $('#probes');
  ul.replaceChildren(
    ...list.map((p) =>
      el('li', {
        class: p.available ? '' : 'unavailable',
        'data-probe': p.name,
        title: p.available ? p.summary : p.reason,
        onclick: () => p.available && selectProbe(p.name),
      },
      el('div', { class: 'name' }, p.name, ' ', el('span', { class: 'meta' }, p.version, ' · ', p.output ?? '?', p.variant ? ` · ${p.variant}` : '')),
      el('div', { class: 'meta' }, p.available ? p.summary : `unavailable: ${p.reason}`)),
    ),
  );
}

/** one input per property of the params JSON schema */
function inputFor(name, s) {
  const id = `param-${name}`;
  const desc = s.description || '';
  let input;
  const enumVals = s.enum || (s.anyOf && s.anyOf.every((a) => 'const' in a) ? s.anyOf.map((a) => a.const) : null);
  if (enumVals) {
    input = el('select', { id, name, 'data-param': name },
      el('option', { value: '' }, s.default !== undefined ? `(default ${s.default})` : '—'),
      ...enumVals.map((v) => el('option', { value: JSON.stringify(v) }, String(v))));
  } else if (s.type === 'boolean') {
    input = el('input', { id, name, type: 'checkbox', 'data-param': name, 'data-kind': 'boolean' });
    if (s.default === true) input.checked = true;
  } else if (s.type === 'integer' || s.type === 'number') {
    input = el('input', { id, name, type: 'number', 'data-param': name, min: s.minimum, max: s.maximum, placeholder: s.default ?? '' });
  } else {
    const hint = s.anyOf ? s.anyOf.map((a) => a.type === 'array' ? 'list a,b' : a.type || '').filter(Boolean).join(' or ') : s.type || '';
    input = el('input', { id, name, type: 'text', 'data-param': name, placeholder: s.default !== undefined ? JSON.stringify(s.default) : hint });
  }
  return el('div', { class: 'field' }, el('label', { for: id }, name), input, desc ? el('small', {}, desc) : null);
}

function selectProbe(name) {
  selected = probes.find((p) => p.name === name);
  document.querySelectorAll('#probes li').forEach((li) => li.classList.toggle('selected', li.dataset.probe === name));
  $('#form-panel').hidden = false;
  $('#form-h').textContent = `New ${name} job`;
  $('#form-summary').textContent = selected.summary;
  const props = (selected.paramsSchema && selected.paramsSchema.properties) || {};
  $('#fields').replaceChildren(
    el('div', { class: 'field' }, el('label', { for: 'duration' }, 'duration'), el('input', { id: 'duration', type: 'text', value: '10s', required: true }), el('small', {}, 'e.g. 500ms, 30s, 2m')),
    ...Object.entries(props).map(([k, s]) => inputFor(k, s)),
  );
  $('#form-error').textContent = '';
}

async function submitJob(ev) {
  ev.preventDefault();
  $('#form-error').textContent = '';
  try {
    const durationMs = parseDuration($('#duration').value);
    const props = selected.paramsSchema.properties || {};
    const params = {};
    for (const input of document.querySelectorAll('[data-param]')) {
      const name = input.dataset.param;
      if (input.dataset.kind === 'boolean') {
        if (input.checked !== (props[name].default === true)) params[name] = input.checked;
      } else if (input.tagName === 'SELECT') {
        if (input.value) params[name] = JSON.parse(input.value);
      } else if (input.value.trim() !== '') {
        params[name] = input.type === 'number' ? Number(input.value) : fieldValue(input.value.trim(), props[name]);
      }
    }
    const res = await api('/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ probe: selected.name, durationMs, params }) });
    const job = await res.json();
    location.hash = `#/jobs/${job.id}`;
    refreshJobs();
  } catch (err) {
    $('#form-error').textContent = err.message;
  }
}

// ---- running and recent jobs --------------------------------------------------------------

function progressOf(job) {
  if (!job.attachedAt) return 0;
  return Math.min(1, (Date.now() - Date.parse(job.attachedAt)) / job.durationMs);
}

/**
 * A running job's events, live: NDJSON read with fetch (unlike EventSource, fetch can send the bearer
 * token), one JSON object per line; the last 50 events are shown under the job.
 */
function follow(job) {
  if (streams.has(job.id)) return;
  const ac = new AbortController();
  streams.set(job.id, ac);
  const lines = [];
  const show = () => {
    const box = document.querySelector(`[data-events="${job.id}"]`);
    if (box) { box.textContent = lines.join('\n'); box.hidden = false; box.scrollTop = box.scrollHeight; }
  };
  const onLine = (text) => {
    if (!text) return;
    const item = JSON.parse(text);
    if (item.type === 'event') {
      lines.push(JSON.stringify(item.event));
      if (lines.length > 50) lines.shift();
      show();
    } else if (item.type === 'end') {
      ac.abort();
    }
  };
  (async () => {
    const res = await api(`/v1/jobs/${job.id}/events`, { headers: { accept: 'application/x-ndjson' }, signal: ac.signal });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const parts = (rest + value).split('\n');
      rest = parts.pop();
      parts.forEach(onLine);
    }
  })()
    .catch(() => {})
    .finally(() => streams.delete(job.id));
}

async function refreshJobs() {
  try {
    const { jobs } = await (await api('/v1/jobs?limit=20')).json();
    const active = jobs.filter((j) => !FINISHED.includes(j.status));
    $('#running').replaceChildren(
      ...(active.length
        ? active.map((j) => {
            follow(j);
            const pct = Math.round(progressOf(j) * 100);
            return el('li', { 'data-job': j.id },
              el('a', { href: `#/jobs/${j.id}` }, j.probe), ` ${j.status} ${pct}% of ${j.durationMs / 1000}s `,
              el('button', { type: 'button', onclick: () => api(`/v1/jobs/${j.id}`, { method: 'DELETE' }).then(refreshJobs) }, 'stop'),
              el('progress', { max: 100, value: pct }),
              el('pre', { class: 'events', 'data-events': j.id, hidden: true }));
          })
        : [el('li', { class: 'empty' }, 'none')]),
    );
    $('#recent tbody').replaceChildren(
      ...jobs.map((j) =>
        el('tr', { onclick: () => (location.hash = `#/jobs/${j.id}`) },
          el('td', {}, el('a', { href: `#/jobs/${j.id}` }, j.id)), el('td', {}, j.probe),
          el('td', { class: `status-${j.status}` }, j.status), el('td', {}, new Date(j.createdAt).toLocaleTimeString()),
          el('td', { class: 'num' }, `${(j.result ? j.result.durationMs : j.durationMs) / 1000}s`)),
      ),
    );
  } catch (err) {
    $('#running').replaceChildren(el('li', { class: 'error' }, err.message));
  }
}

// ---- one job's result ---------------------------------------------------------------------

function statsTable(h) {
  const u = { usecs: 'us', msecs: 'ms', nsecs: 'ns' }[h.unit] || h.unit;
  const v = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 1000) / 1000}`);
  const cols = [['count', h.count], ['avg', v(h.avg)], ['p50', v(h.p50 && h.p50.value)], ['p90', v(h.p90 && h.p90.value)], ['p99', v(h.p99 && h.p99.value)], ['min', v(h.min)], ['max', v(h.max)]];
  return el('table', { class: 'stats' },
    el('thead', {}, el('tr', {}, ...cols.map(([k]) => el('th', { class: 'num' }, k === 'count' ? k : `${k} (${u})`)))),
    el('tbody', {}, el('tr', {}, ...cols.map(([k, x]) => el('td', { class: 'num', 'data-stat': k }, x)))));
}

// an owner's short name, as probe-sdk's ownerLabel writes it: shop/web-0/web, pod:<uid>, docker:0123456789ab, nginx.service
function ownerName(o) {
  if (o.namespace && o.pod) return o.container ? `${o.namespace}/${o.pod}/${o.container}` : `${o.namespace}/${o.pod}`;
  if (o.podUid) return o.containerId ? `pod:${o.podUid}/${o.containerId.slice(0, 12)}` : `pod:${o.podUid}`;
  if (o.containerId) return `${o.runtime}:${o.containerId.slice(0, 12)}`;
  return o.unit || o.cgroupPath;
}

// rows with an `owner` show it first, by name, instead of the cgroup id it was resolved from
function withOwner(r) {
  if (!r.owner || typeof r.owner !== 'object') return r;
  const { owner, cgroup, key, ...rest } = r;
  return { owner: ownerName(owner), ...rest };
}

function rowsTable(name, rows) {
  rows = rows.map(withOwner);
  const cols = [];
  for (const r of rows.slice(0, 20)) for (const [k, v] of Object.entries(r)) if (!cols.includes(k) && (v === null || typeof v !== 'object')) cols.push(k);
  return el('div', {}, el('h3', {}, `${name} (${rows.length})`),
    el('table', { 'data-table': name },
      el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', {}, c)))),
      el('tbody', {}, ...rows.slice(0, 100).map((r) => el('tr', {}, ...cols.map((c) => el('td', {}, r[c] ?? '')))))));
}

// the kernel's own SNMP/netstat counters over the job: each cross-check, then the counters that moved
function kernelCounters(k) {
  if (!k.counters) return el('p', { id: 'kernel-counters', class: 'meta' }, `kernel counters: unavailable (${k.unavailable || 'not read'})`);
  const c = k.counters;
  const rel = { equal: '=', atLeast: '≥', atMost: '≤', none: 'any' };
  const mark = (x) => (x.agree === null ? '·' : x.agree ? '✓' : '✗');
  const moved = Object.entries(c.deltas);
  return el('div', { id: 'kernel-counters' }, el('h3', {}, 'kernel counters ', el('span', { class: 'meta' }, `netns ${c.netns} · ${c.source}`)),
    c.crossChecks.length
      ? el('table', { 'data-table': 'cross-checks' },
        el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'counter'), el('th', { class: 'num' }, 'Δ'), el('th', {}, ''), el('th', {}, 'figure'), el('th', { class: 'num' }, 'traced'), el('th', {}, 'why they may differ'))),
        el('tbody', {}, ...c.crossChecks.map((x) => el('tr', { class: x.agree === false ? 'disagree' : '' },
          el('td', { 'data-agree': String(x.agree) }, mark(x)), el('td', {}, x.counter), el('td', { class: 'num' }, x.gauge ? `${x.delta} (at end)` : x.delta),
          el('td', {}, rel[x.expect]), el('td', {}, x.figure), el('td', { class: 'num' }, x.traced), el('td', { class: 'meta' }, x.note)))))
      : el('p', { class: 'meta' }, `no cross-check: ${c.noPairs || 'none'}`),
    el('p', { class: 'moved' }, 'moved: ', moved.length ? moved.map(([n, d]) => `${n} ${d >= 0 ? '+' : ''}${d}`).join(', ') : 'none'));
}

// ---- what a result shows, as its probe's output declaration (result.shape) says ------------------

// the histogram the result is about, the keyed ones (rows, their histogram and naming key field), the
// declared tables (rows and event lists, not interval views); a result stored without a declaration
// takes its probe's from the catalogue, else shows its lists of rows
function resultView(job, data) {
  const catalogued = probes.find((p) => p.name === job.probe);
  const shape = job.result.shape || (catalogued && catalogued.shape) || null;
  const isTable = (v) => Array.isArray(v) && v.length > 0 && typeof v[0] === 'object';
  if (!shape) {
    return { total: totalHistogram({ fields: {} }, data), keyed: null, by: null, tables: Object.keys(data).filter((k) => isTable(data[k])) };
  }
  const fields = shape.fields || {};
  const k = keyedHistograms(shape, data);
  const keyed = k && k.keys.length ? { rows: k.rows, hist: k.hist, key: k.keys[0] } : null;
  const skip = shape.histogram && shape.histogram.keyed;
  const tables = Object.keys(data).filter((f) => f !== skip && ((isRowsDecl(fields[f]) && !fields[f].series) || isEventsDecl(fields[f])) && isTable(data[f]));
  return { total: totalHistogram(shape, data), keyed, by: keyName(shape, data), tables };
}

let shown = null;

async function showJob(id) {
  shown = id;
  const box = $('#result');
  box.hidden = false;
  let job;
  try {
    job = await (await api(`/v1/jobs/${id}`)).json();
  } catch (err) {
    box.replaceChildren(el('p', { class: 'error' }, err.message));
    return;
  }
  if (shown !== id) return;
  const head = el('h2', {}, `${job.probe} `, el('span', { class: `status-${job.status}`, id: 'result-status' }, job.status), ' ',
    el('a', { href: `/v1/jobs/${job.id}` }, job.id));
  if (!FINISHED.includes(job.status)) {
    box.replaceChildren(head, el('progress', { max: 100, value: Math.round(progressOf(job) * 100) }), el('p', {}, `params ${JSON.stringify(job.params)}`));
    setTimeout(() => shown === id && showJob(id), 500);
    return;
  }
  const kids = [head, el('p', {}, `params ${JSON.stringify(job.params)} · ${job.result ? `${job.result.durationMs} ms on ${job.result.host.hostname}, stopped by ${job.result.stoppedBy}` : ''}`)];
  if (job.error) kids.push(el('p', { class: 'error' }, `${job.error.type}: ${job.error.message}`));
  for (const w of (job.result && job.result.warnings) || []) kids.push(el('p', { class: 'warning' }, `⚠ ${w}`));
  const data = job.result && job.result.data;
  if (data) {
    const view = resultView(job, data);
    const total = view.total;
    if (total) {
      kids.push(statsTable(total));
      const chart = el('div', { class: 'chart', id: 'chart' });
      kids.push(chart);
      api(`/v1/jobs/${job.id}/histogram.svg`).then((r) => r.text()).then((svg) => { chart.innerHTML = svg; }).catch((e) => { chart.textContent = e.message; });
    }
    const keyed = view.keyed;
    if (keyed && (keyed.rows.length > 1 || (keyed.rows.length === 1 && keyed.rows[0][keyed.key] !== null))) {
      const by = view.by || 'key';
      kids.push(rowsTable(`by ${by}`, keyed.rows.map((r) => {
        const h = r[keyed.hist];
        return { [by]: r[keyed.key], count: h.count, avg: h.avg, p50: h.p50 && h.p50.value, p99: h.p99 && h.p99.value, max: h.max };
      })));
    }
    for (const name of view.tables) kids.push(rowsTable(name, data[name]));
    if (job.result.kernel) kids.push(kernelCounters(job.result.kernel));
    try {
      const text = await (await api(`/v1/jobs/${job.id}?format=text`)).text();
      kids.push(el('details', {}, el('summary', {}, 'text'), el('pre', { id: 'result-text' }, text)));
    } catch {}
  }
  if (shown === id) box.replaceChildren(...kids);
}

function route() {
  const m = /^#\/jobs\/([\w-]+)/.exec(location.hash);
  if (m) showJob(m[1]);
  else { shown = null; $('#result').hidden = true; }
}

async function main() {
  $('#token').value = token();
  $('#token').addEventListener('change', (e) => { localStorage.setItem('sonde.token', e.target.value); start(); });
  $('#job-form').addEventListener('submit', submitJob);
  window.addEventListener('hashchange', route);
  await start();
  setInterval(refreshJobs, 1000);
}

async function start() {
  try {
    const h = await (await fetch('/healthz')).json();
    $('#host').textContent = `${h.version} · kernel ${h.kernel} · ${h.running} running`;
    await loadProbes();
    await refreshJobs();
    route();
  } catch (err) {
    $('#probes').replaceChildren(el('li', { class: 'error' }, err.message));
  }
}

main();
