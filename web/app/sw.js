// Twofold service worker: keeps the app shell and the WebAssembly in Cache
// Storage so the authenticator opens without a network. Online, every file
// comes from the network first (so the page, its script and the wasm always
// match after an update) and the cache is refreshed; offline, the cached copy
// is served. Requests outside /app/ (the server's API) are never touched.
// Nothing secret passes through here: the vault lives in IndexedDB, encrypted.
// The transfer module (twofold-transfer.wasm: QR decoding, other apps'
// files, plaintext exports) is not part of the page's first load, but it is
// cached here at install, so that scanning a QR code works offline from the
// first visit on; the page never waits for this (a service worker installs
// beside it).

const CACHE = "twofold-app-v3";
const SHELL = [
  "./",
  "app.css",
  "app.js",
  "core.js",
  "push.js",
  "transfer.js",
  "passkey.js",
  "notices.js",
  "sync.js",
  "wasm_exec.js",
  "twofold.wasm",
  "twofold-transfer.wasm",
  "manifest.webmanifest",
  "icon.svg",
  "icon-192.png",
  "icon-512.png",
  "icon-maskable-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One missing file (say, the wasm not built yet) must not stop the rest.
    await Promise.all(SHELL.map(async (path) => {
      try {
        const resp = await fetch(new Request(path, { cache: "no-cache" }));
        if (resp.ok) await cache.put(path, resp);
      } catch (_) {
        // offline during install: the next visit fills the cache
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (url.search !== "") return;
  event.respondWith(networkFirst(req, url));
});

async function networkFirst(req, url) {
  const cache = await caches.open(CACHE);
  // Navigations to /app/ and /app/index.html share one entry.
  const key = req.mode === "navigate" || url.pathname.endsWith("/index.html")
    ? new URL("./", self.registration.scope).href
    : req;
  try {
    const resp = await fetch(req);
    if (resp.ok && resp.type === "basic") {
      await cache.put(key, resp.clone());
    }
    return resp;
  } catch (err) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw err;
  }
}
