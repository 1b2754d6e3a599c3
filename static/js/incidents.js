/* Incident maps. On an incident's page (#incident-map): its appeals as points, with links, and
   the circle of the incident. On the weekly review (#incidents-map): the active incidents as
   circles sized by their radius, each linking to its page. Without this script both pages
   still list everything in tables. */
(function () {
  "use strict";
  if (!window.L) return;

  function baseMap(box, zoom) {
    var map = window.L.map(box).setView(
      [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)], zoom
    );
    window.L.tileLayer(box.dataset.tileUrl, {
      maxZoom: 19, attribution: box.dataset.attribution
    }).addTo(map);
    return map;
  }

  function load(box, status, draw) {
    box.dataset.state = "loading";
    fetch(box.dataset.url, {
      credentials: "same-origin", headers: { Accept: "application/geo+json" }
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        draw(data);
        box.dataset.count = String(data.features.length);
        box.dataset.state = "ready";
        if (!data.features.length) status.textContent = box.dataset.empty;
      })
      .catch(function () {
        box.dataset.state = "error";
        status.textContent = box.dataset.empty;
      });
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  var one = document.getElementById("incident-map");
  if (one) {
    var oneStatus = document.getElementById("incident-map-status");
    var map = baseMap(one, 15);
    oneStatus.textContent = "";
    load(one, oneStatus, function (data) {
      var centre = [data.center[1], data.center[0]];
      var circle = window.L.circle(centre, {
        radius: Math.max(data.radius, 30), color: "#d55e00", weight: 2, fillOpacity: 0.08
      }).addTo(map);
      var points = window.L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          return window.L.circleMarker(latlng, {
            radius: 7, color: "#0b0c0c", weight: 1, fillColor: "#1d70b8", fillOpacity: 0.9,
            className: "incident-marker"
          });
        },
        onEachFeature: function (feature, marker) {
          var p = feature.properties;
          var wrap = document.createElement("div");
          wrap.appendChild(link(p.url, p.number));
          wrap.appendChild(document.createElement("br"));
          wrap.appendChild(document.createTextNode(p.time + (p.address ? " · " + p.address : "")));
          marker.bindPopup(wrap);
        }
      }).addTo(map);
      var bounds = circle.getBounds();
      if (data.features.length) bounds.extend(points.getBounds());
      map.fitBounds(bounds, { maxZoom: 17, padding: [20, 20] });
    });
  }

  var many = document.getElementById("incidents-map");
  if (many) {
    var manyStatus = document.getElementById("incidents-map-status");
    var overview = baseMap(many, 9);
    load(many, manyStatus, function (data) {
      var layer = window.L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          return window.L.circle(latlng, {
            radius: feature.properties.radius, color: "#d55e00", weight: 2,
            fillColor: "#d55e00", fillOpacity: 0.35
          });
        },
        onEachFeature: function (feature, shape) {
          var p = feature.properties;
          var wrap = document.createElement("div");
          wrap.appendChild(link(p.url, p.title));
          wrap.appendChild(document.createElement("br"));
          wrap.appendChild(document.createTextNode(p.count + " " + many.dataset.appealsWord));
          shape.bindPopup(wrap);
          shape.bindTooltip(p.title);
        }
      }).addTo(overview);
      if (data.features.length) {
        overview.fitBounds(layer.getBounds(), { maxZoom: 13, padding: [20, 20] });
      }
    });
    window.addEventListener("beforeprint", function () { overview.invalidateSize(); });
  }
})();
