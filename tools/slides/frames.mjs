// Does each slide fit in its frame? Opens the HTML that `make slides` wrote in
// headless Chromium at 1280x720, shows each slide in turn, saves a screenshot
// of it, and finds what does not fit: text outside the slide or cut off by a
// box that scrolls (a long code line), an image outside the slide or not loaded.
//
//     node tools/slides/frames.mjs .slides/slides.html FOLDER
//
// prints one JSON line per slide: {"slide": 1, "screenshot": "FOLDER/slide-01.png", "problems": [...]}.
// The browser is CHROME_PATH (tools/slides/render finds it the same way).
import path from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const [html, folder] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--hide-scrollbars"], // --no-sandbox: as root, in CI containers
});

// Runs in the page: what does not fit on the slide on screen (the `active` one).
async function misfits() {
  const svg = document.querySelector("svg.bespoke-marp-active");
  const section = svg.querySelector("section");
  const frame = section.getBoundingClientRect();
  const scale = frame.width / 1280; // 1 at a 1280x720 window: the problems are in the slide's pixels
  const where = (r) => `x ${Math.round((r.left - frame.left) / scale)}-${Math.round((r.right - frame.left) / scale)}, `
    + `y ${Math.round((r.top - frame.top) / scale)}-${Math.round((r.bottom - frame.top) / scale)}`;
  const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  const problems = [];

  const texts = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const line of range.getClientRects()) {
      if (line.width > 0 && !inside(line, frame)) {
        problems.push(`text outside the slide (${where(line)}): ${JSON.stringify(node.textContent.trim().slice(0, 60))}`);
        break;
      }
    }
  }
  for (const box of section.querySelectorAll("*")) {
    const style = getComputedStyle(box);
    const clips = style.overflowX !== "visible" || style.overflowY !== "visible";
    if (clips && (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1)) {
      problems.push(`<${box.localName}> cuts off its content (${box.scrollWidth}x${box.scrollHeight} in `
        + `${box.clientWidth}x${box.clientHeight}): ${JSON.stringify(box.textContent.trim().slice(0, 60))}`);
    }
  }
  for (const img of section.querySelectorAll("img")) {
    if (!img.complete || img.naturalWidth === 0) problems.push(`image not loaded: ${img.getAttribute("src")}`);
    else if (!inside(img.getBoundingClientRect(), frame)) problems.push(`image outside the slide (${where(img.getBoundingClientRect())}): ${img.getAttribute("src")}`);
  }
  // Marp's background images (![bg](...)) are CSS backgrounds, beside the section in its svg.
  for (const element of svg.querySelectorAll("*")) {
    const url = getComputedStyle(element).backgroundImage.match(/url\("(.+?)"\)/)?.[1];
    if (!url) continue;
    const image = new Image();
    image.src = url;
    const loaded = await image.decode().then(() => image.naturalWidth > 0, () => false);
    if (!loaded) problems.push(`background image not loaded: ${url}`);
  }
  return problems;
}

try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 720 });
  await page.goto(pathToFileURL(path.resolve(html)).href, { waitUntil: "load" });
  await page.addStyleTag({ content: ".bespoke-marp-osc { display: none !important; }" }); // the slide only
  const count = await page.$$eval("svg[data-marpit-svg]", (slides) => slides.length);
  for (let slide = 1; slide <= count; slide++) {
    await page.evaluate((n) => { location.hash = `#${n}`; }, slide);
    await page.waitForFunction(
      (n) => document.querySelector("svg.bespoke-marp-active") === document.querySelectorAll("svg[data-marpit-svg]")[n - 1],
      {}, slide,
    );
    const screenshot = path.join(folder, `slide-${String(slide).padStart(2, "0")}.png`);
    await page.screenshot({ path: screenshot });
    console.log(JSON.stringify({ slide, screenshot, problems: await page.evaluate(misfits) }));
  }
} finally {
  await browser.close();
}
