// Reads a text aloud into elocute's demo page, as a learner would, in headless Chromium whose
// microphone plays a WAV file (Chromium's fake capture device), and prints what the page got.
//
//   node demo.mjs --url URL --wav FILE --seconds S [--text TEXT] [--trust-any-certificate]
//
// Prints one JSON line: {"status": <the page's status line>, "result": <the JSON the page shows, or null>,
// "shown": {"scores": <the score strip's text>, "words": [<the words shown>]}}.
// Exit code 0 when the page was driven to the end (whatever it showed), 1 on a driver failure.
// CHROMIUM names the browser binary (default /usr/lib/chromium/chromium, Debian's package).
import puppeteer from "puppeteer-core";

function args(argv) {
  const out = { trust: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === "--trust-any-certificate") out.trust = true;
    else if (k.startsWith("--")) out[k.slice(2)] = argv[++i];
  }
  for (const k of ["url", "wav", "seconds"]) {
    if (!out[k]) throw new Error(`missing --${k}`);
  }
  return out;
}

const a = args(process.argv.slice(2));
const flags = [
  "--headless=new",
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  `--use-file-for-fake-audio-capture=${a.wav}%noloop`,
  // lan.test stands for the teacher's laptop as another machine would name it: not a secure
  // context over http://, unlike localhost.
  "--host-resolver-rules=MAP lan.test 127.0.0.1",
  // Containers often have a small /dev/shm, where Chromium would otherwise keep its shared memory.
  "--disable-dev-shm-usage",
];
if (process.getuid && process.getuid() === 0) flags.push("--no-sandbox");
if (a.trust) flags.push("--ignore-certificate-errors");

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/lib/chromium/chromium",
  args: flags,
  acceptInsecureCerts: a.trust,
});
try {
  const page = await browser.newPage();
  await page.goto(a.url, { waitUntil: "load", timeout: 30000 });
  if (a.text !== undefined) {
    await page.$eval("#text", (el, t) => { el.value = t; }, a.text);
  }
  await page.click("#record");
  const started = await page
    .waitForFunction(() => !document.querySelector("#stop").disabled || document.querySelector("#status").className.includes("error"), { timeout: 10000 })
    .then(() => page.$eval("#stop", (el) => !el.disabled));
  if (started) {
    await new Promise((r) => setTimeout(r, Number(a.seconds) * 1000));
    await page.click("#stop");
    await page.waitForFunction(
      () => {
        const s = document.querySelector("#status").textContent;
        return !s.startsWith("Recording") && !s.startsWith("Assessing");
      },
      { timeout: 30000 },
    );
  }
  const shown = await page.evaluate(() => ({
    status: document.querySelector("#status").textContent,
    json: document.querySelector("#json").textContent,
    scores: document.querySelector("#scores").textContent,
    words: [...document.querySelectorAll("#words span")].map((s) => s.textContent),
  }));
  console.log(JSON.stringify({
    status: shown.status,
    result: shown.json ? JSON.parse(shown.json) : null,
    shown: { scores: shown.scores, words: shown.words },
  }));
} finally {
  await browser.close();
}
