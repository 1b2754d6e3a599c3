/* «Мой маршрут на сегодня»: the route on a map, and the reports kept on the phone until sent.
 *
 * Every report goes through the queue (IndexedDB, with its key, the page's CSRF token and the
 * photos as Blobs) and is sent from there: at once when there is a network, else when the
 * `online` event comes or the page is opened again. The server records a key once, so sending
 * a report twice (a lost answer, a reload in between) records it once. */
(function () {
  "use strict";

  var root = document.getElementById("field-day");
  if (!root) {
    return;
  }
  var DB = "otklik-field-day";
  var STORE = "reports";
  var statusEl = document.getElementById("queue-status");
  var sentSome = false;
  var flushing = null;
  var markers = {};

  function text(name) {
    return root.dataset[name] || "";
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  // IndexedDB, promised.
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          db.close();
          resolve(result && "result" in result ? result.result : undefined);
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
      });
    });
  }

  function queued() {
    return withStore("readonly", function (store) {
      return store.getAll();
    }).then(function (items) {
      return (items || []).sort(function (a, b) {
        return a.createdAt - b.createdAt;
      });
    });
  }

  function keep(record) {
    return withStore("readwrite", function (store) {
      store.put(record);
    });
  }

  function forget(key) {
    return withStore("readwrite", function (store) {
      store["delete"](key);
    });
  }

  // What the page shows.
  function card(point) {
    return document.getElementById("point-" + point);
  }

  function showState(point, className, message) {
    var item = card(point);
    if (!item) {
      return;
    }
    var state = item.querySelector(".stop-state");
    state.className = "stop-state " + className;
    state.textContent = message;
    item.classList.remove("queued", "done");
    if (className === "queued" || className === "done") {
      item.classList.add(className);
    }
    if (markers[point] && markers[point].getElement()) {
      markers[point].getElement().classList.toggle("done", className === "done");
    }
    var actions = item.querySelector(".stop-actions");
    if (actions) {
      actions.hidden = className !== "refused";
    }
  }

  function showQueue(items, note) {
    statusEl.className = "queue-status";
    if (items.length) {
      statusEl.classList.add("pending");
      statusEl.textContent = text("pendingText").replace("{n}", items.length) + (note ? " · " + note : "");
    } else if (note) {
      statusEl.classList.add("offline");
      statusEl.textContent = note;
    } else if (sentSome) {
      statusEl.classList.add("sent");
      statusEl.textContent = text("sentText");
    } else {
      statusEl.textContent = "";
    }
    root.dataset.pending = String(items.length);
  }

  function refresh(note) {
    return queued().then(function (items) {
      items.forEach(function (item) {
        showState(item.point, "queued", text("queuedText") + ": " + item.label);
      });
      showQueue(items, note || (navigator.onLine ? "" : text("offlineText")));
    });
  }

  // Sending.
  function freshToken() {
    return fetch(root.dataset.scope, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        return response.ok && !response.redirected ? response.text() : "";
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var input = doc.querySelector("input[name=csrfmiddlewaretoken]");
        return input ? input.value : "";
      })
      .catch(function () {
        return "";
      });
  }

  function send(record, retried) {
    var data = new FormData();
    data.append("key", record.key);
    data.append("outcome", record.outcome);
    Object.keys(record.fields).forEach(function (name) {
      data.append(name, record.fields[name]);
    });
    record.photos.forEach(function (photo) {
      data.append("photos", photo.blob, photo.name);
    });
    return fetch(record.url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": record.csrf, Accept: "application/json" },
    }).then(function (response) {
      if (response.status === 403 && !retried) {
        // The token the page carried is stale (a new login): take the page's current one.
        return freshToken().then(function (token) {
          if (!token || token === record.csrf) {
            return { kind: "login" };
          }
          record.csrf = token;
          return keep(record).then(function () {
            return send(record, true);
          });
        });
      }
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.redirected || !json) {
        return { kind: "login" };
      }
      return response.json().then(function (body) {
        return { kind: response.ok ? "sent" : "refused", body: body };
      });
    });
  }

  function flush() {
    if (flushing) {
      return flushing;
    }
    flushing = queued()
      .then(function (items) {
        var chain = Promise.resolve("");
        items.forEach(function (record) {
          chain = chain.then(function (stop) {
            if (stop) {
              return stop;
            }
            return send(record).then(
              function (result) {
                if (result.kind === "login") {
                  return text("loginText");
                }
                return forget(record.key).then(function () {
                  if (result.kind === "sent") {
                    sentSome = true;
                    var body = result.body;
                    showState(
                      record.point,
                      "done",
                      text("sentText") + ": " + body.outcome_label + (body.appeal ? " · " + body.appeal : ""),
                    );
                  } else {
                    showState(record.point, "refused", text("refusedText") + " " + result.body.errors.join(" "));
                  }
                  return "";
                });
              },
              function () {
                return text("offlineText"); // no network: the rest waits too
              },
            );
          });
        });
        return chain;
      })
      .then(function (note) {
        flushing = null;
        return refresh(note);
      }, function () {
        flushing = null;
      });
    return flushing;
  }

  function photosOf(form) {
    var photos = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files, function (file) {
        photos.push({ blob: file, name: file.name || "photo.jpg" });
      });
    });
    return photos;
  }

  function fieldsOf(form) {
    var fields = {};
    form.querySelectorAll("textarea, select").forEach(function (input) {
      fields[input.name] = input.value;
    });
    return fields;
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("visit-form")) {
      return;
    }
    event.preventDefault();
    if (!form.reportValidity()) {
      return;
    }
    var item = form.closest(".stop");
    var record = {
      key: form.elements.key.value,
      url: form.action,
      point: item.dataset.point,
      label: form.closest("details").querySelector("summary").textContent.trim(),
      outcome: form.elements.outcome.value,
      fields: fieldsOf(form),
      photos: photosOf(form),
      csrf: form.elements.csrfmiddlewaretoken.value,
      createdAt: Date.now(),
    };
    keep(record).then(function () {
      form.reset();
      form.elements.key.value = newKey();
      form.closest("details").open = false;
      return refresh();
    }).then(function () {
      if (navigator.onLine) {
        flush();
      }
    });
  });

  // The keys the (possibly cached) page came with are never used twice.
  root.querySelectorAll(".visit-form").forEach(function (form) {
    form.elements.key.value = newKey();
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () {
    refresh();
  });
  refresh().then(function () {
    if (navigator.onLine) {
      flush();
    }
  });

  // The worker keeps the page and its files for the day without a network.
  if ("serviceWorker" in navigator && root.dataset.worker) {
    var ready = function () {
      root.dataset.offlineReady = "1";
    };
    navigator.serviceWorker.addEventListener("controllerchange", ready);
    navigator.serviceWorker
      .register(root.dataset.worker, { scope: root.dataset.scope })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function () {
        if (navigator.serviceWorker.controller) {
          ready();
        }
      })
      .catch(function () {});
  }

  // The route on the map: numbered stops in their order.
  var mapEl = document.getElementById("route-map");
  var pointsEl = document.getElementById("route-points");
  if (mapEl && pointsEl && window.L) {
    var points = JSON.parse(pointsEl.textContent);
    var map = L.map(mapEl, { scrollWheelZoom: false });
    L.tileLayer(mapEl.dataset.tileUrl, { maxZoom: 19, attribution: mapEl.dataset.attribution }).addTo(map);
    var line = [];
    points.forEach(function (p) {
      var at = [p.lat, p.lon];
      line.push(at);
      var done = card(p.id) && card(p.id).classList.contains("settled");
      markers[p.id] = L.marker(at, {
        title: p.n + ". " + p.label,
        alt: p.n + ". " + p.label,
        icon: L.divIcon({
          className: "route-marker" + (done ? " done" : ""),
          html: String(p.n),
          iconSize: [32, 32],
        }),
      })
        .addTo(map)
        .bindPopup(function () {
          var link = document.createElement("a");
          link.href = "#point-" + p.id;
          link.textContent = p.n + ". " + p.label;
          return link;
        });
    });
    if (line.length > 1) {
      L.polyline(line, { color: "#0b5cad", weight: 3 }).addTo(map);
    }
    if (line.length) {
      map.fitBounds(L.latLngBounds(line).pad(0.2), { maxZoom: 16 });
    }
  }
})();
