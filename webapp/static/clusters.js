/* The map's deposit sites at any number: /api/clusters answers each view with clusters (exact counts, drawn as
 * pies of their colours) where sites crowd and with the sites themselves where they do not. An answer that holds
 * every site of the filters ("extent": "all") is kept while the map moves and is clustered here, on the same
 * Web Mercator grid of 64-pixel cells as the server (geo/clusters.py). No text from the data is written as HTML. */
(function () {
  "use strict";

  var CELL_PX = 64;        // geo/clusters.py CELL_PX
  var POINT_ZOOM = 13;     // geo/clusters.py POINT_ZOOM: every site a point from here
  var MAX_VIEW_PX = 4096;  // geo/clusters.py MAX_VIEW_PX: the largest box side the server takes
  var PAD = 0.25;          // the box asked for is the view grown by this share on each side, so a small pan needs no fetch
  var DEBOUNCE_MS = 120;

  function wrapLon(lon) { return ((lon + 180) % 360 + 360) % 360 - 180; }

  /* The view, padded, as west,south,east,north in degrees (west > east: across the antimeridian). */
  function viewBox(map) {
    var size = map.getSize();
    var pad = Math.max(0, Math.min(PAD, (MAX_VIEW_PX / Math.max(size.x, size.y, 1) - 1) / 2 - 0.01));
    var b = map.getBounds().pad(pad);
    var west = b.getWest(), east = b.getEast();
    if (east - west >= 360) { west = -180; east = 180; } else if (west < -180 || east > 180) {
      west = wrapLon(west);
      east = wrapLon(east);
      if (east === -180) { east = 180; }
    }
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    return [Math.floor(west * 1e6) / 1e6, Math.floor(south * 1e6) / 1e6, Math.ceil(east * 1e6) / 1e6,
      Math.ceil(north * 1e6) / 1e6].map(function (v) { return Math.max(-180, Math.min(180, v)); }).join(",");
  }

  /* The fill a marker shows (white for the hollow "holder unknown" ring), as the pies count it. */
  function markerFill(marker) {
    return marker.options.fillOpacity === 0 ? "#FFFFFF" : (marker.options.fillColor || "#999999");
  }

  /* The sites layer: site markers (kept whole, for eachLayer and recolouring), clustered on the pixel grid of the
   * zoom shown, plus the clusters of the last server answer. It stands where Leaflet.markercluster stood. */
  var SiteLayer = L.Layer.extend({
    initialize: function (options) {
      L.setOptions(this, options);
      this._markers = [];
      this._serverClusters = [];
      this._drawn = L.featureGroup();
    },
    addLayer: function (layer) {
      if (layer instanceof L.LayerGroup) { layer.eachLayer(this.addLayer, this); return this; }
      this._markers.push(layer);
      return this;
    },
    clearLayers: function () {
      this._markers = [];
      this._serverClusters = [];
      this._drawn.clearLayers();
      return this;
    },
    eachLayer: function (fn, context) { this._markers.forEach(fn, context); return this; },
    getLayers: function () { return this._markers.slice(); },
    /* Server clusters: GeoJSON features with properties count, categories and bbox; colourOf(category). */
    setServerClusters: function (features, colourOf) {
      this._serverClusters = features.map(function (f) {
        var counts = {};
        Object.keys(f.properties.categories).forEach(function (category) {
          var colour = colourOf(category);
          counts[colour] = (counts[colour] || 0) + f.properties.categories[category];
        });
        return { latlng: L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]), count: f.properties.count,
          counts: counts, bbox: f.properties.bbox, server: true };
      });
      return this;
    },
    refreshClusters: function () { this._redraw(); return this; },
    onAdd: function (map) {
      this._drawn.addTo(map);
      map.on("zoomend", this._redraw, this);
      this._redraw();
    },
    onRemove: function (map) {
      map.off("zoomend", this._redraw, this);
      map.removeLayer(this._drawn);
    },
    _redraw: function () {
      var map = this._map;
      this._drawn.clearLayers();
      if (!map) { return; }
      var zoom = Math.round(map.getZoom());
      var self = this;
      this._serverClusters.forEach(function (c) { self._drawn.addLayer(self._clusterMarker(c)); });
      if (zoom >= POINT_ZOOM || this._markers.length < 2) {
        this._markers.forEach(function (m) { self._drawn.addLayer(m); });
        return;
      }
      var cells = {};
      this._markers.forEach(function (m) {
        var p = map.project(m.getLatLng(), zoom);
        var key = Math.floor(p.x / CELL_PX) + ":" + Math.floor(p.y / CELL_PX);
        (cells[key] = cells[key] || []).push(m);
      });
      Object.keys(cells).forEach(function (key) {
        var members = cells[key];
        if (members.length === 1) { self._drawn.addLayer(members[0]); return; }
        var counts = {}, lat = 0, lng = 0;
        var bounds = L.latLngBounds([]);
        members.forEach(function (m) {
          var fill = markerFill(m);
          counts[fill] = (counts[fill] || 0) + 1;
          var ll = m.getLatLng();
          lat += ll.lat;
          lng += ll.lng;
          bounds.extend(ll);
        });
        self._drawn.addLayer(self._clusterMarker({ latlng: L.latLng(lat / members.length, lng / members.length),
          count: members.length, counts: counts, bounds: bounds, server: false }));
      });
    },
    _clusterMarker: function (c) {
      var marker = L.marker(c.latlng, { icon: window.AtlasMap.pieIcon(c.counts, c.count,
        c.server ? "atlas-server-cluster" : ""), keyboard: false });
      var map = this._map;
      marker.on("click", function () {
        var bounds = c.bounds || L.latLngBounds([c.bbox[1], c.bbox[0]], [c.bbox[3], c.bbox[2]]);
        var zoom = Math.min(map.getBoundsZoom(bounds), map.getMaxZoom());
        if (zoom <= map.getZoom()) { zoom = Math.min(map.getZoom() + 2, map.getMaxZoom()); }
        map.setView(bounds.getCenter(), Math.max(zoom, map.getZoom() + 1));
      });
      return marker;
    }
  });

  /* Load the sites of the view from /api/clusters whenever the view, the filters, the date or the colouring change.
   * ctx: map, layer (a SiteLayer), endpoint, params() (the view's filters and as_of), colour() ("group" or
   * "partner"), colourOf(category), reset() (before an answer's markers), marker(feature) (a site marker with its
   * popup), loaded(body), failed(error). */
  function loader(ctx) {
    var map = ctx.map;
    var loads = 0;
    var timer = null;
    var whole = null;       // the filters of the last answer that held every site, kept while the map moves
    var popupOpen = false;  // a fetch would replace the marker whose popup is open: wait until it closes
    var waiting = false;
    var first = true;

    function filterKey() { return JSON.stringify(ctx.params()); }

    function load(force) {
      if (!force && whole !== null && whole === filterKey()) { return; }
      if (popupOpen && !force) { waiting = true; return; }
      var load = ++loads;
      var query = Object.assign({}, ctx.params(), { bbox: viewBox(map), zoom: String(Math.round(map.getZoom())),
        colour: ctx.colour() });
      var u = new URL(ctx.endpoint, window.location.href);
      Object.keys(query).forEach(function (key) { if (query[key]) { u.searchParams.set(key, query[key]); } });
      var key = filterKey();
      fetch(u.pathname + u.search, { headers: { Accept: "application/geo+json" } }).then(function (r) {
        if (!r.ok) { throw new Error(u.pathname + " answered " + r.status); }
        return r.json();
      }).then(function (body) {
        if (load !== loads) { return; }
        whole = body.extent === "all" ? key : null;
        if (ctx.reset) { ctx.reset(); }
        ctx.layer.clearLayers();
        var clusters = [];
        body.features.forEach(function (f) {
          if (f.properties.cluster === true) { clusters.push(f); } else { ctx.layer.addLayer(ctx.marker(f)); }
        });
        ctx.layer.setServerClusters(clusters, ctx.colourOf).refreshClusters();
        var box = map.getContainer();
        box.setAttribute("data-cluster-mode", body.mode);
        box.setAttribute("data-cluster-extent", body.extent);
        box.setAttribute("data-cluster-sites", String(body.numberMatched));
        box.setAttribute("data-cluster-as-of", body.as_of);
        if (first && window.performance && performance.mark) { performance.mark("atlas-sites-drawn"); }
        first = false;
        ctx.loaded(body);
      }).catch(function (err) { if (load === loads) { ctx.failed(err); } });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(function () { load(false); }, DEBOUNCE_MS);
    }
    map.on("moveend", later);
    map.on("popupopen", function () { popupOpen = true; });
    map.on("popupclose", function () {
      popupOpen = false;
      if (waiting) { waiting = false; later(); }
    });
    return {
      /* The filters or the date changed: fetch now. */
      reload: function () { clearTimeout(timer); whole = null; load(true); },
      /* The colouring changed: a held answer of every site is restyled where it is; clusters are counted again. */
      recolour: function () { if (whole === null) { clearTimeout(timer); load(true); } }
    };
  }

  window.AtlasClusters = { SiteLayer: SiteLayer, siteLayer: function (options) { return new SiteLayer(options); },
    loader: loader, viewBox: viewBox, markerFill: markerFill };
})();
