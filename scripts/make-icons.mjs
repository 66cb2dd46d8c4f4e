// Makes the installable app's icons (web/icons/*.png, checked in) from the favicon's shield,
// drawn by the same headless Chromium the browser tests use, so no image tool is needed:
//   node scripts/make-icons.mjs
// "any" icons are the favicon as it is (rounded square); the maskable one fills the square with
// the red and keeps the shield inside the central 80 % that every launcher's mask leaves visible.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '../web/node_modules/playwright-core/index.mjs';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
const SHIELD = 'M16 5l9 4v7c0 6-4 10-9 12-5-2-9-6-9-12V9z';
const svg = (maskable) => maskable
  ? `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="#8b1a1a"/>
     <g transform="translate(16 16.5) scale(0.7) translate(-16 -16.5)"><path d="${SHIELD}" fill="#f4c20d"/></g></svg>`
  : `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#8b1a1a"/>
     <path d="${SHIELD}" fill="#f4c20d"/></svg>`;

const browser = await chromium.launch({ executablePath: process.env.ANTQ_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
for (const [name, size, maskable] of [['icon-192.png', 192, false], ['icon-512.png', 512, false], ['icon-maskable-512.png', 512, true]]) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg(maskable)}`);
  writeFileSync(join(WEB, 'icons', name), await page.screenshot({ omitBackground: true }));
  console.log(`web/icons/${name}`);
}
await browser.close();
