// The public map of appeals: clustered markers loaded from the GeoJSON endpoint for the visible
// box and the filters of the page. Works without tiles (the markers need none).
(function () {
  "use strict";
  var box = document.getElementById("public-map");
  if (!box || !window.L) return;
  var status = document.getElementById("map-status");
  var map = L.map(box).setView([parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)], 9);
  L.tileLayer(box.dataset.tileUrl, {
    maxZoom: 19,
    attribution: "&copy; OpenStreetMap",
  }).addTo(map);
  var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
  map.addLayer(cluster);
  var icon = L.divIcon({ className: "appeal-marker", iconSize: [18, 18] });
  var request = 0;
  var timer = null;

  function line(label, value) {
    var p = document.createElement("div");
    var b = document.createElement("span");
    b.className = "popup-label";
    b.textContent = label + ": ";
    p.appendChild(b);
    p.appendChild(document.createTextNode(value));
    return p;
  }

  function popup(props) {
    var div = document.createElement("div");
    div.className = "appeal-popup";
    var a = document.createElement("a");
    a.href = props.url;
    a.textContent = props.number;
    a.className = "popup-number";
    div.appendChild(a);
    div.appendChild(line(box.dataset.labelCategory, props.category));
    div.appendChild(line(box.dataset.labelStatus, props.status));
    div.appendChild(line(box.dataset.labelDate, props.date));
    return div;
  }

  function show(data) {
    cluster.clearLayers();
    var numbers = [];
    var markers = data.features.map(function (f) {
      var c = f.geometry.coordinates;
      var marker = L.marker([c[1], c[0]], { icon: icon, title: f.properties.number, keyboard: true });
      marker.on("add", function () {
        var el = marker.getElement();
        if (el) el.dataset.number = f.properties.number;
      });
      marker.bindPopup(function () { return popup(f.properties); });
      numbers.push(f.properties.number);
      return marker;
    });
    cluster.addLayers(markers);
    box.dataset.count = String(numbers.length);
    box.dataset.numbers = numbers.join(" ");
    var text = status.dataset.shown + " " + numbers.length;
    status.textContent = data.truncated ? text + ". " + data.note : text;
    box.dataset.loaded = "true";
  }

  function load() {
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    var url = box.dataset.geojsonUrl;
    url += (url.indexOf("?") < 0 ? "?" : "&") + "bbox=" + [west, south, east, north].join(",");
    var mine = ++request;
    status.textContent = status.dataset.loading;
    box.dataset.loaded = "false";
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (mine === request) show(data); })
      .catch(function () { if (mine === request) status.textContent = status.dataset.failed; });
  }

  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  });
  load();
})();
