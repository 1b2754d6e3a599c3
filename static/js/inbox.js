/* Executor's inbox (part B): the map toggle. The appeals of the current filter that have a
   point are loaded from the GeoJSON endpoint when the map is first shown; markers carry the
   deadline class and link to the appeal page. Without this script the list works as it is. */
(function () {
  "use strict";

  var toggle = document.getElementById("inbox-map-toggle");
  var box = document.getElementById("inbox-map");
  var status = document.getElementById("inbox-map-status");
  if (!toggle || !box || !window.L) return;

  var COLOURS = { overdue: "#d4351c", today: "#f47738", soon: "#ffdd00", ok: "#1d70b8" };
  var map = null;

  function load() {
    map = window.L.map(box).setView(
      [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)], 11
    );
    window.L.tileLayer(box.dataset.tileUrl, {
      maxZoom: 19, attribution: box.dataset.attribution
    }).addTo(map);
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var layer = window.L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var colour = COLOURS[feature.properties.deadline] || COLOURS.ok;
            return window.L.circleMarker(latlng, {
              radius: 8, color: "#0b0c0c", weight: 1, fillColor: colour, fillOpacity: 0.9
            });
          },
          onEachFeature: function (feature, marker) {
            var link = document.createElement("a");
            link.href = feature.properties.url;
            link.textContent = feature.properties.number;
            var wrap = document.createElement("div");
            wrap.appendChild(link);
            wrap.appendChild(document.createElement("br"));
            wrap.appendChild(document.createTextNode(feature.properties.category));
            marker.bindPopup(wrap);
          }
        }).addTo(map);
        box.dataset.count = String(data.features.length);
        if (data.features.length) {
          map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] });
          status.textContent = "";
        } else {
          status.textContent = box.dataset.empty;
        }
      });
  }

  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var show = box.hidden;
    box.hidden = !show;
    toggle.setAttribute("aria-expanded", show ? "true" : "false");
    toggle.textContent = show ? toggle.dataset.hide : toggle.dataset.show;
    if (show) {
      if (!map) load(); else map.invalidateSize();
    }
  });
})();
