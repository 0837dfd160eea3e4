/**
 * The web page in a real browser (Debian's chromium via playwright-core): pick tcprtt in the
 * catalogue, fill the form generated from its params schema, start a REAL job against the real
 * server, send loopback traffic while it runs, and see the histogram drawn with one bar per
 * non-empty bucket of the stored result.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from './support/kernel.js';
import { json, startServer, startServerAndEcho, stopServerAndEcho, waitJob, type Server } from './support/server.js';
import { pingPong, type EchoServer } from './support/traffic.js';

const CHROMIUM = '/usr/bin/chromium';

describeKernel('web page in headless Chromium', () => {
  let server: Server;
  let echo: EchoServer;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ({ server, echo } = await startServerAndEcho());
    profile = mkdtempSync(join(tmpdir(), 'sonde-chromium-'));
    // a fresh profile directory each run (playwright passes it as --user-data-dir)
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
      ],
      timeout: 30_000,
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
    await stopServerAndEcho(server, echo);
  });

  it('shows the catalogue and a form generated from the params schema', async () => {
    await page.goto(server.url);
    await page.locator('#probes li[data-probe="tcprtt"]').click();
    await page.locator('#form-h', { hasText: 'New tcprtt job' }).waitFor({ timeout: 10_000 });
    // one input per schema property: the enum becomes a select, the boolean a checkbox
    const { probes } = await json(await fetch(`${server.url}/v1/probes`));
    const props = Object.keys(probes.find((p: { name: string }) => p.name === 'tcprtt').paramsSchema.properties);
    // runs in the page; the test config has no DOM lib, so the one field read is typed here
    const inputs = await page.locator('[data-param]').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: Record<string, string | undefined> }).dataset.param));
    expect(inputs).toEqual(props);
    expect(await page.locator('select#param-units option').allTextContents()).toEqual(expect.arrayContaining(['us', 'ms']));
    expect(await page.locator('#param-extended').getAttribute('type')).toBe('checkbox');
  });

  it('starts a real job from the form, shows it running, then draws its histogram', async () => {
    await page.fill('#duration', '2s');
    await page.fill('#param-rport', String(echo.port));
    await page.check('#param-extended');
    await page.click('#start');
    await page.waitForURL(/#\/jobs\/j_\w+$/, { timeout: 5000 });
    const id = /#\/jobs\/(j_\w+)$/.exec(page.url())![1]!;
    const job = await waitJob(server.url, id, ['running']);
    expect(job.params).toMatchObject({ rport: [echo.port], extended: true });
    // live progress in the running list while the job runs
    await page.locator(`#running li[data-job="${id}"] progress`).waitFor({ timeout: 5000 });
    const traffic = await pingPong(echo.port, { conns: 2, maxMs: 800 });
    await traffic.stop();
    const done = await waitJob(server.url, id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');

    await page.locator('#result-status', { hasText: 'succeeded' }).waitFor({ timeout: 10_000 });
    await page.locator('#chart svg rect.bar').first().waitFor({ timeout: 10_000 });
    const bars = await page.locator('#chart svg rect.bar').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-lo')), Number(e.getAttribute('data-count'))]));
    const nonEmpty = done.result.data.total.buckets.filter((b: { count: number }) => b.count > 0);
    expect(bars).toEqual(nonEmpty.map((b: { lo: number; count: number }) => [b.lo, b.count]));
    expect(await page.locator('td[data-stat="count"]').textContent()).toBe(String(done.result.data.total.count));
    expect(done.result.data.total.count).toBeGreaterThanOrEqual(traffic.rounds);
    expect(await page.locator('#result-text').textContent()).toMatch(/usecs\s+: count\s+distribution/);
    // the kernel's own counters beside the result: tcprtt's samples against Tcp.InSegs, and what moved
    const check = done.result.kernel.counters.crossChecks[0];
    expect(check).toMatchObject({ counter: 'Tcp.InSegs', figure: 'total.count', traced: done.result.data.total.count });
    const row = await page.locator('#kernel-counters table[data-table="cross-checks"] tbody tr').first().locator('td').allTextContents();
    expect(row.slice(1, 6)).toEqual(['Tcp.InSegs', String(check.delta), 'any', 'total.count', String(check.traced)]);
    expect(await page.locator('#kernel-counters .moved').textContent()).toContain(`Tcp.InSegs +${done.result.kernel.counters.deltas['Tcp.InSegs']}`);
    // and it is listed among recent jobs
    expect(await page.locator('#recent tbody').textContent()).toContain(id);
    expect(consoleErrors).toEqual([]);
  });

  it('reads a result through its declared shape (probe-sdk output.js, served to the page): one row per key of a keyed histogram', async () => {
    const created = await json(
      await fetch(`${server.url}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ probe: 'tcprtt', durationMs: 1500, params: { by: 'raddr', rport: [echo.port] } }),
      }),
    );
    await waitJob(server.url, created.id, ['running']);
    const traffic = await pingPong(echo.port, { conns: 2, maxMs: 600 });
    await traffic.stop();
    const done = await waitJob(server.url, created.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const keyed = (done.result.data.histograms as Array<{ key: string; hist: { count: number } }>).filter((r) => r.key !== null);
    expect(keyed.length).toBeGreaterThan(0);
    await page.goto(`${server.url}/#/jobs/${created.id}`);
    const table = page.locator('table[data-table="by raddr"]');
    await table.waitFor({ timeout: 10_000 });
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)));
    expect(rows).toEqual(keyed.map((r) => [r.key, String(r.hist.count)]));
    expect(await (await fetch(`${server.url}/ui/output.js`)).text()).toContain('export function keyedHistograms');
    expect(consoleErrors).toEqual([]);
  });

  it('shows the server\'s problem when the form is wrong', async () => {
    await page.goto(`${server.url}/#/`);
    await page.locator('#probes li[data-probe="tcprtt"]').click();
    await page.locator('#form-h', { hasText: 'New tcprtt job' }).waitFor({ timeout: 10_000 });
    await page.fill('#duration', '2s');
    await page.fill('#param-rport', '70000');
    await page.click('#start');
    await page.locator('#form-error', { hasText: 'rport' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#form-error').textContent()).toMatch(/params\.rport/);
  });

  it('with tokens configured: asks for one, then starts tcpstates and streams its events live', async () => {
    const TOKEN = 'web-test-operator-token-0123456789';
    const guarded = await startServer({ env: { SONDE_TOKENS: `web:operator:${TOKEN}` } });
    consoleErrors.length = 0; // the previous test's 400 is logged by the browser on purpose
    try {
      await page.goto(guarded.url);
      // the catalogue read is refused without a token: the field shows up
      await page.locator('.token input#token').waitFor({ state: 'visible', timeout: 10_000 });
      await page.fill('#token', TOKEN);
      await page.dispatchEvent('#token', 'change');
      await page.locator('#probes li[data-probe="tcpstates"]').click();
      await page.locator('#form-h', { hasText: 'New tcpstates job' }).waitFor({ timeout: 10_000 });
      await page.fill('#duration', '4s');
      await page.fill('#param-lport', String(echo.port));
      await page.click('#start');
      await page.waitForURL(/#\/jobs\/j_\w+$/, { timeout: 5000 });
      const id = /#\/jobs\/(j_\w+)$/.exec(page.url())![1]!;
      const auth = { authorization: `Bearer ${TOKEN}` };
      await waitJob(guarded.url, id, ['running'], 40_000, auth);
      const traffic = await pingPong(echo.port, { conns: 2, maxMs: 600 });
      await traffic.stop();
      // events of the echo server's accepted sockets, streamed while the job still runs
      const box = page.locator(`pre[data-events="${id}"]`);
      await box.filter({ hasText: 'ESTABLISHED' }).waitFor({ timeout: 5000 });
      const shown = (await box.textContent())!.split('\n').map((l) => JSON.parse(l) as { lport: number; newstate: string });
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.every((e) => e.lport === echo.port)).toBe(true);
      const job = await json(await fetch(`${guarded.url}/v1/jobs/${id}`, { headers: auth }));
      expect(job.status).toBe('running');
      expect(consoleErrors.filter((e) => !/401/.test(e))).toEqual([]);
    } finally {
      await guarded.stop();
    }
  });
});
