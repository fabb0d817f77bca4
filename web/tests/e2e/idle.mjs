// Idle logoff against a server started with a short --session-idle: the app logs off by
// itself and says why.
import { assert, env, launch, login, newPage, run, shot } from './harness.mjs';

const browser = await launch();
const page = await newPage(browser);
await run([
  ['idle_logoff_notice', async () => {
    await login(page);
    await page.waitForSelector('[data-testid=user]', { timeout: 10000 });
    const notice = await page.waitForSelector('[data-testid=logoff-notice]', { timeout: 20000 });
    const text = await notice.textContent();
    assert(/nothing happened for a while/.test(text), `notice: ${text}`);
    await shot(page, '05-idle-logoff');
  }],
], { page, browser });
