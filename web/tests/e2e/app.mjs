// The app against a live custos serve: login with TOTP, the library, an upload, logout.
// CUSTOS_EXPECT: {"upload_dir", "upload": {files_seen, instances_added, skipped_non_dicom},
//                 "ct": {"study", "description"}, "studies_before": N}
import { assert, env, launch, login, newPage, run, shot, totp } from './harness.mjs';
import { viewerScenarios } from './viewer.mjs';
import { moreScenarios, mprScenarios } from './more.mjs';
import { dropScenarios, toolScenarios, touchScenarios } from './tools.mjs';

const browser = await launch();
const page = await newPage(browser);
const E = env.expect;

const scenarios = [
  ['login_errors_in_plain_words', async () => {
    await login(page, { code: '' });
    await page.fill('input[name=password]', 'not the password');
    await page.click('button[type=submit]');
    const bad = await page.textContent('[data-testid=login-error]', { timeout: 10000 });
    assert(/user name or password is not right/.test(bad), `wrong password said: ${bad}`);
    await page.fill('input[name=password]', env.password);
    await page.fill('input[name=totp]', '');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => /6-digit code/.test(document.querySelector('[data-testid=login-error]')?.textContent ?? ''), null, { timeout: 10000 });
    await shot(page, '01-login-code-needed');
  }],
  ['login_with_totp', async () => {
    await page.fill('input[name=totp]', totp(env.totpSecret));
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=user]', { timeout: 10000 });
    assert((await page.textContent('[data-testid=user]')) === env.user, 'the user name is shown');
  }],
  ['library_timeline_with_thumbnails', async () => {
    await page.waitForSelector('[data-testid=study-card]', { timeout: 15000 });
    const cards = await page.locator('[data-testid=study-card]').count();
    assert(cards === E.studies_before, `${cards} study cards, expected ${E.studies_before}`);
    const years = await page.locator('.year-label').allTextContents();
    assert(years.includes('2024'), `years on the timeline: ${years}`);
    // Every thumbnail is a decoded image (the JPEG came through the CSP and the cookie).
    await page.waitForFunction(() => {
      const imgs = [...document.querySelectorAll('[data-testid=thumbnail]')];
      return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
    }, null, { timeout: 20000 });
    await shot(page, '02-library');
  }],
  ['library_search_and_filter', async () => {
    await page.fill('[data-testid=search]', E.ct.description);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=study-card]').length === n, 1, { timeout: 10000 });
    await page.fill('[data-testid=search]', 'no such scan anywhere');
    await page.waitForSelector('text=No scans match these filters.', { timeout: 10000 });
    await page.fill('[data-testid=search]', '');
    await page.selectOption('[data-testid=modality]', 'MR');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=study-card]').length === n, E.mr_studies, { timeout: 10000 });
    await page.selectOption('[data-testid=modality]', '');
    await page.fill('[data-testid=from]', '2024-01-01');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=study-card]').length === n, E.studies_since_2024, { timeout: 10000 });
    await page.fill('[data-testid=from]', '');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=study-card]').length === n, E.studies_before, { timeout: 10000 });
  }],
  ['person_links_confirm_reload_undo', async () => {
    // Two patient IDs of one name and birth date (test_web_app.py): suggested, confirmed,
    // one section after a reload, split again by "Undo link".
    const [a, b] = E.same_person_ids;
    const suggestion = page.locator('[data-testid=link-suggestion]', { hasText: a });
    await suggestion.waitFor({ timeout: 10000 });
    assert((await suggestion.textContent()).includes(b), 'the suggestion names both patient IDs');
    await suggestion.locator('[data-testid=link-confirm]').click();
    const linked = page.locator('[data-testid=person]', { hasText: `IDs ${a}, ${b}` });
    await linked.waitFor({ timeout: 10000 });
    await page.locator('[data-testid=link-suggestion]', { hasText: a }).waitFor({ state: 'detached', timeout: 10000 });
    assert((await linked.locator('[data-testid=study-card]').count()) === 2, 'one person holds both studies');
    await shot(page, '02b-person-linked');
    await page.reload();
    await linked.waitFor({ timeout: 10000 });
    const cards = await page.locator('[data-testid=study-card]').count();
    assert(cards === E.studies_before, `${cards} study cards after linking, expected ${E.studies_before}`);
    await linked.locator('[data-testid=undo-link]').click();
    await page.locator('[data-testid=link-suggestion]', { hasText: a }).waitFor({ timeout: 10000 });
    await linked.waitFor({ state: 'detached', timeout: 10000 });
    const apart = await page.locator('[data-testid=person-ids]').allTextContents();
    assert(apart.some((t) => t.includes(`ID ${a}`)) && apart.some((t) => t.includes(`ID ${b}`)), `after undo: ${apart}`);
  }],
  ['phone_sized_library', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await shot(page, '03-library-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    assert(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);
  }],
  ['upload_folder_and_see_summary', async () => {
    await page.click('nav >> text=Import');
    await page.setInputFiles('[data-testid=folder-input]', E.upload_dir);
    const summary = await page.waitForSelector('[data-testid=import-summary]', { timeout: 60000 });
    const num = async (id) => Number(await page.textContent(`[data-testid=summary-${id}]`));
    const got = { files_seen: await num('files-seen'), instances_added: await num('added'), skipped_non_dicom: await num('skipped'), duplicates: await num('duplicates') };
    await shot(page, '04-import-summary');
    for (const k of Object.keys(E.upload)) assert(got[k] === E.upload[k], `summary ${k}: ${got[k]}, expected ${E.upload[k]} (${JSON.stringify(got)})`);
    assert(summary, 'summary shown');
  }],
  ['upload_again_counts_duplicates', async () => {
    await page.reload();
    await page.setInputFiles('[data-testid=folder-input]', E.upload_dir);
    await page.waitForSelector('[data-testid=import-summary]', { timeout: 60000 });
    const dup = Number(await page.textContent('[data-testid=summary-duplicates]'));
    const added = Number(await page.textContent('[data-testid=summary-added]'));
    assert(added === 0 && dup === E.upload.instances_added, `second upload: added ${added}, duplicates ${dup}`);
  }],
  ['library_shows_uploaded_studies', async () => {
    await page.click('nav >> text=Library');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=study-card]').length === n, E.studies_after, { timeout: 10000 });
  }],
  ...viewerScenarios(page, E),
  ...toolScenarios(page, E),
  ...touchScenarios(page, E, browser),
  ...dropScenarios(page, E),
  ...moreScenarios(page, E),
  ...mprScenarios(page, E),
  ['audit_page', async () => {
    await page.goto(env.base + '/audit');
    await page.waitForSelector('[data-testid=audit-table]', { timeout: 10000 });
    const rows = await page.locator('[data-testid=audit-table] tbody tr').count();
    assert(rows > 3, `${rows} audit rows`);
    await shot(page, '20-audit');
  }],
  ['logout', async () => {
    await page.click('[data-testid=logout]');
    await page.waitForSelector('[data-testid=logoff-notice]', { timeout: 10000 });
    const r = await page.evaluate(async () => (await fetch('/api/v1/studies')).status);
    assert(r === 401, `after logout the API answered ${r}`);
  }],
  ['no_csp_violations', async () => {
    const csp = page.consoleErrors.filter((e) => /Content Security Policy|Refused to/.test(e));
    assert(csp.length === 0, `CSP violations: ${csp.join('\n')}`);
  }],
];

await run(scenarios, { page, browser });
