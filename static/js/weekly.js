/* Weekly review: the heat map. Grid squares of the week's appeals, or of the failed checks, are
   loaded from the GeoJSON endpoint and drawn darker the fuller they are; a radio switches the
   layer. Without this script the page (and its print) still carries every figure and list. */
(function () {
  "use strict";

  var box = document.getElementById("weekly-map");
  var status = document.getElementById("weekly-map-status");
  var layers = document.getElementById("weekly-layers");
  if (!box || !window.L) return;

  var COLOURS = { appeals: "#d55e00", failed: "#6a1b9a" };
  var map = window.L.map(box).setView(
    [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)], 10
  );
  window.L.tileLayer(box.dataset.tileUrl, {
    maxZoom: 19, attribution: box.dataset.attribution
  }).addTo(map);
  var current = null;

  function show(layer) {
    status.textContent = "";
    box.dataset.state = "loading";
    var url = box.dataset.url + "&layer=" + encodeURIComponent(layer);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (current) map.removeLayer(current);
        var word = layer === "failed" ? box.dataset.failedWord : box.dataset.appealsWord;
        current = window.L.geoJSON(data, {
          style: function (feature) {
            var intensity = feature.properties.intensity || 0;
            return {
              color: COLOURS[layer], weight: 1, fillColor: COLOURS[layer],
              fillOpacity: 0.15 + 0.65 * intensity, className: "heat-cell"
            };
          },
          onEachFeature: function (feature, cell) {
            cell.bindTooltip(feature.properties.count + " " + word);
          }
        }).addTo(map);
        box.dataset.layer = layer;
        box.dataset.count = String(data.features.length);
        box.dataset.state = "ready";
        if (data.features.length) {
          map.fitBounds(current.getBounds(), { maxZoom: 14, padding: [20, 20] });
          status.textContent = box.dataset.cells + ": " + data.features.length +
            (data.truncated ? ". " + box.dataset.truncated : "");
        } else {
          status.textContent = box.dataset.empty;
        }
      })
      .catch(function () {
        box.dataset.state = "error";
        status.textContent = box.dataset.empty;
      });
  }

  if (layers) {
    layers.hidden = false;
    layers.addEventListener("change", function (event) {
      if (event.target && event.target.name === "layer") show(event.target.value);
    });
  }
  show("appeals");
  // Leaflet measures its box when drawn; printing changes the width.
  window.addEventListener("beforeprint", function () { map.invalidateSize(); });
})();
