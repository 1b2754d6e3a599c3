/* «Выдать поручение»: an optional point on the map fills the latitude and longitude fields.
   Without this script (or without tiles) the fields can be typed in. */
(function () {
  "use strict";

  var box = document.getElementById("instruction-map");
  var form = document.getElementById("instruction-form");
  if (form) {
    // One instruction per click: a second click while the first is on its way does nothing.
    form.addEventListener("submit", function () {
      var button = document.getElementById("instruction-submit");
      window.setTimeout(function () { if (button) button.disabled = true; }, 0);
    });
  }
  if (!box || !window.L) return;

  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  box.hidden = false;
  var start = lat.value && lon.value
    ? [parseFloat(lat.value), parseFloat(lon.value)]
    : [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)];
  var map = window.L.map(box).setView(start, parseInt(box.dataset.zoom, 10) || 12);
  window.L.tileLayer(box.dataset.tileUrl, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
  var marker = null;

  function place(latlng) {
    if (marker) marker.setLatLng(latlng);
    else marker = window.L.marker(latlng).addTo(map);
  }

  if (lat.value && lon.value) place(start);
  map.on("click", function (event) {
    place(event.latlng);
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
  });
})();
