/* The field team's service worker: keeps «Мой маршрут на сегодня» and its static files so that
 * the page opens without a network. Served by office/field_day.py from the page's own path
 * (its scope is the page), with CONFIG = {page, assets, version} written before this source.
 *
 * The page: network first (a fresh route and CSRF token whenever there is a network), the
 * kept copy otherwise. Static files: the kept copy first. Reports are not handled here: the
 * page keeps them in IndexedDB and sends them itself (field-day.js). */
/* global CONFIG */
"use strict";

var CACHE = "field-day-" + CONFIG.version;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return cache.addAll([CONFIG.page].concat(CONFIG.assets));
      })
      .then(function () {
        return self.skipWaiting();
      }),
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (keys) {
        return Promise.all(
          keys
            .filter(function (key) {
              return key.indexOf("field-day-") === 0 && key !== CACHE;
            })
            .map(function (key) {
              return caches.delete(key);
            }),
        );
      })
      .then(function () {
        return self.clients.claim();
      }),
  );
});

function pageFirst(request) {
  return fetch(request)
    .then(function (response) {
      if (response.ok && response.type === "basic" && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          cache.put(request.url.split("#")[0], copy);
        });
      }
      return response;
    })
    .catch(function () {
      return caches.match(request).then(function (hit) {
        return hit || caches.match(CONFIG.page);
      });
    });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (CONFIG.assets.indexOf(url.pathname) !== -1) {
    event.respondWith(
      caches.match(url.pathname).then(function (hit) {
        return hit || fetch(request);
      }),
    );
  } else if (url.pathname === CONFIG.page) {
    event.respondWith(pageFirst(request));
  }
});
