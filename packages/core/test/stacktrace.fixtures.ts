// `Error.stack` as each engine prints it (newest frame first). "Captured": printed by the engine
// itself: SpiderMonkey (Firefox's engine, gjs 1.74 / mozjs 102), JavaScriptCore (Safari's,
// WebKitGTK's jsc), headless Chromium and Node 20, running the same small checkout script served
// as https://shop.example/assets/checkout.js; only the origin or directory was put back where the
// harness changed it. The others follow the engines' formats for what a harness cannot load
// (extensions, CDNs, Next's dev server).

/** Firefox, captured: nested anonymous functions, a prototype method, `new Function`, eval code. */
export const FIREFOX = [
  'formatPrice@https://shop.example/assets/checkout.js:8:30',
  'CartView.prototype.render/</<@https://shop.example/assets/checkout.js:5:47',
  'CartView.prototype.render/<@https://shop.example/assets/checkout.js:5:22',
  'CartView.prototype.render@https://shop.example/assets/checkout.js:4:20',
  'renderRow@https://shop.example/assets/checkout.js:9:63',
  'anonymous@https://shop.example/assets/checkout.js line 10 > Function:3:8',
  '@https://shop.example/assets/checkout.js line 11 > eval:1:9',
  'fromEval@https://shop.example/assets/checkout.js:11:30',
  '@https://shop.example/assets/checkout.js:12:7',
  '',
].join('\n');

/** Firefox, captured: an async function (`async*`), a timer callback, a `resource://` URL. */
export const FIREFOX_ASYNC = [
  'loadUser@https://shop.example/assets/checkout.js:14:53',
  'async*refresh@https://shop.example/assets/checkout.js:15:76',
  'schedule/<@https://shop.example/assets/checkout.js:16:60',
  'setTimeout/<@https://shop.example/assets/checkout.js:1:59',
  'run@resource:///org/gnome/gjs/modules/script/mainloop.js:19:22',
  '@https://shop.example/assets/checkout.js:20:106',
  '',
].join('\n');

/** Firefox, captured: a getter, a computed name with `@`, eval inside eval. */
export const FIREFOX_NAMES = [
  'get total@https://shop.example/assets/app.js:12:107',
  'a@b@https://shop.example/assets/app.js:17:42',
  '@https://shop.example/assets/boot.js line 2 > eval line 10 > eval line 1 > eval:1:7',
  'evil@https://shop.example/assets/boot.js line 2 > eval line 10 > eval:1:20',
  '@https://shop.example/assets/boot.js:2:10',
  '',
].join('\n');

/** Firefox before version 60 or so named inner functions after their path (`fn/<.inner`). */
export const FIREFOX_OLD_NAMES = [
  'dispatch/<.handle@https://shop.example/assets/bus.js:1:92',
  '[2]</Bar.prototype._baz/</<@https://shop.example/assets/vendor.js:703:28',
].join('\n');

/** Firefox with DevTools open (async causes: `promise callback*`, `setTimeout handler*`) in an extension. */
export const FIREFOX_EXTENSION = [
  'save@moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc/background.js:42:11',
  'promise callback*flush@moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc/background.js:37:6',
  'setTimeout handler*@moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc/background.js:30:3',
  'onMessage@resource://gre/modules/ExtensionCommon.sys.mjs:1204:20',
  '',
].join('\n');

/** Safari, captured: `global code`, `[native code]`, anonymous frames, eval code (`eval code@`). */
export const SAFARI = [
  'formatPrice@https://shop.example/assets/checkout.js:8:47',
  '@https://shop.example/assets/checkout.js:5:47',
  'map@[native code]',
  '@https://shop.example/assets/checkout.js:5:25',
  'map@[native code]',
  '@https://shop.example/assets/checkout.js:4:23',
  'renderRow@https://shop.example/assets/checkout.js:9:69',
  'anonymous@',
  'eval code@',
  'eval@[native code]',
  'fromEval@https://shop.example/assets/checkout.js:11:34',
  'global code@https://shop.example/assets/checkout.js:12:15',
].join('\n');

/** Safari, captured: an ES module's top level. */
export const SAFARI_MODULE = [
  'fail@https://shop.example/assets/main.mjs:1:34',
  'map@[native code]',
  'module code@https://shop.example/assets/main.mjs:3:15',
].join('\n');

/** Safari: async resumption, CDN URLs with `@` (anonymous frames, with and without `@`). */
export const SAFARI_CDN = [
  'loadUser@https://shop.example/assets/api-19ab.js:7:18',
  'asyncFunctionResume@[native code]',
  '@https://cdn.jsdelivr.net/npm/tiny-bus@2.1.0/dist/bus.min.js:1:2231',
  'https://cdn.jsdelivr.net/npm/tiny-bus@2.1.0/dist/bus.min.js:1:2290',
  'https://unpkg.com/@scope/pkg@1.0.0/dist/index.js:3:7',
].join('\n');

/** Safari extensions (web and legacy) and a promise job. */
export const SAFARI_EXTENSION = [
  'isClaimed@safari-web-extension://46434E60-F5BD-48A4-80C8-A422C5D16897/scripts/content.js:29:33314',
  'safari-extension://com.example.clipper-W8F64X92K3/ee7759dd/clipper.js:2:1588410',
  'promiseReactionJob@[native code]',
].join('\n');

/** Chromium, captured: eval code (`new Function` and `eval`), anonymous callbacks, natives. */
export const CHROMIUM = `TypeError: Cannot read properties of undefined (reading 'toFixed')
    at formatPrice (https://shop.example/assets/checkout.js:8:48)
    at https://shop.example/assets/checkout.js:5:36
    at Array.map (<anonymous>)
    at https://shop.example/assets/checkout.js:5:22
    at Array.map (<anonymous>)
    at CartView.render (https://shop.example/assets/checkout.js:4:20)
    at renderRow (https://shop.example/assets/checkout.js:9:63)
    at eval (eval at <anonymous> (https://shop.example/assets/checkout.js:10:16), <anonymous>:3:8)
    at eval (eval at fromEval (https://shop.example/assets/checkout.js:11:30), <anonymous>:1:1)
    at fromEval (https://shop.example/assets/checkout.js:11:30)`;

/** Chromium, captured: async frames (`Promise.all`, an async function, an async arrow). */
export const CHROMIUM_ASYNC = `TypeError: id.toUpperCase is not a function
    at loadUser (https://shop.example/assets/checkout.js:14:53)
    at async Promise.all (index 1)
    at async refresh (https://shop.example/assets/checkout.js:15:42)
    at async https://shop.example/assets/checkout.js:16:54`;

/** Chromium: Next's `(group)` routes in URLs, async frames. */
export const CHROMIUM_NEXT = `TypeError: Cannot read properties of undefined (reading 'id')
    at toRow (https://shop.example/_next/static/chunks/app/(shop)/cart/page-3f2a9c.js:1:1893)
    at Array.map (<anonymous>)
    at loadCart (https://shop.example/_next/static/chunks/app/(shop)/cart/page-3f2a9c.js:1:2210)
    at async CartPage.refresh (https://shop.example/_next/static/chunks/app/(shop)/cart/page-3f2a9c.js:1:3121)`;

/** Chromium: eval code, a constructor, an extension, an inline script; Next's dev server. */
export const CHROMIUM_MIXED = `Error: bad template
    at eval (eval at compile (https://cdn.example.net/tmpl@4.0.1/tmpl.min.js:2:1180), <anonymous>:3:9)
    at new Template (https://cdn.example.net/tmpl@4.0.1/tmpl.min.js:2:1305)
    at HTMLDocument.<anonymous> (chrome-extension://aapbdbdomjkkjkaonfhkkikfgjllcleb/content.js:1:733)
    at Page (webpack-internal:///(app-pages-browser)/./app/page.tsx:12:11)
    at renderWithHooks (webpack-internal:///(app-pages-browser)/./node_modules/next/dist/compiled/react-dom/cjs/react-dom.development.js:11121:18)
    at https://shop.example/:41:7`;

/** Node 20, captured: a timer callback through a dependency into `fs`. */
export const NODE = `Error: ENOENT: no such file or directory, open '/srv/app/config/acme.json'
    at Object.readFileSync (node:fs:448:20)
    at loadConfig (/srv/app/src/config.js:3:24)
    at dispatch.tenant (/srv/app/src/server.js:5:23)
    at dispatch (/srv/app/node_modules/tiny-router/index.js:2:10)
    at Timeout._onTimeout (/srv/app/src/server.js:5:5)
    at listOnTimeout (node:internal/timers:581:17)
    at process.processTimers (node:internal/timers:519:7)`;

/** Node 20, captured: eval inside eval inside a constructor, in an ES module. */
export const NODE_EVAL = `Error: nested
    at eval (eval at evil (eval at Payment (file:///srv/app/src/payment.mjs:3:33)), <anonymous>:1:7)
    at evil (eval at Payment (file:///srv/app/src/payment.mjs:3:33), <anonymous>:1:26)
    at new Payment (file:///srv/app/src/payment.mjs:3:33)
    at async file:///srv/app/src/main.mjs:5:7`;
