/* The offline base map and the overlay legend of the atlas map (atlas.js calls AtlasBasemap.init and .attach):
 * panes that keep every layer in its place (country fill < lakes and rivers < raster overlays < towns and labels <
 * sites), Natural Earth lakes, rivers, towns and country names from /api/basemap in the page's language with a
 * density that follows the zoom, a legend for the overlays, distance bands and the partner-share layer, and the
 * "Download PNG" control. Text from the data reaches the page through textContent only. */
(function () {
  "use strict";

  /* Map panes and their z-index: Leaflet's tile pane is 200 and its overlay pane (sites, corridors) 400. */
  var PANES = { base: ["atlas-base", 250], water: ["atlas-water", 260], raster: ["atlas-raster", 300],
    places: ["atlas-places", 380], labels: ["atlas-labels", 390] };
  var WATER = "#4a90c2";
  var LAKE_FILL = "#a9cde6";
  /* Country names from this zoom on also name the neighbours; towns from their Natural Earth min_zoom, but at
   * least the capitals are always shown from zoom 4. */
  var CAPITAL_ZOOM = 4;

  var MESSAGES = {};

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function createPanes(map) {
    var names = {};
    Object.keys(PANES).forEach(function (key) {
      var pane = map.getPane(PANES[key][0]) || map.createPane(PANES[key][0]);
      pane.style.zIndex = String(PANES[key][1]);
      if (key === "places" || key === "labels" || key === "water") { pane.style.pointerEvents = "none"; }
      names[key] = PANES[key][0];
    });
    return names;
  }

  /* A place is shown from its Natural Earth min_zoom (capitals from CAPITAL_ZOOM at the latest). */
  function placeZoom(p) { return p.capital ? Math.min(p.min_zoom, CAPITAL_ZOOM) : p.min_zoom; }

  function placeIcon(p) {
    var box = el("div", "atlas-place" + (p.capital ? " atlas-place-capital" : "") +
      (p.scalerank <= 3 ? " atlas-place-major" : ""));
    box.appendChild(el("span", "atlas-place-dot"));
    box.appendChild(el("span", "atlas-place-label", p.label));
    return L.divIcon({ html: box, className: "atlas-place-icon", iconSize: null, iconAnchor: [4, 4] });
  }

  function countryIcon(p) {
    var box = el("div", "atlas-country-label" + (p.atlas ? " atlas-country-atlas" : ""), p.label);
    return L.divIcon({ html: box, className: "atlas-country-icon", iconSize: null, iconAnchor: [0, 0] });
  }

  /* Lakes and rivers (drawn from their min_zoom), towns and country names, each kept to the zoom it suits. */
  function baseLayers(map, endpoint, panes, lang) {
    var water = L.layerGroup();
    var labels = L.layerGroup();
    var byZoom = [];  // [min zoom, layer, group]
    var status = { loaded: false, places: 0, lakes: 0, rivers: 0, countries: 0 };
    function sync() {
      var zoom = map.getZoom();
      var shown = 0;
      byZoom.forEach(function (entry) {
        var wanted = zoom >= entry[0];
        if (wanted && !entry[2].hasLayer(entry[1])) { entry[2].addLayer(entry[1]); }
        if (!wanted && entry[2].hasLayer(entry[1])) { entry[2].removeLayer(entry[1]); }
        if (wanted && entry[3] === "place") { shown += 1; }
      });
      map.getContainer().setAttribute("data-places-shown", String(shown));
    }
    var url = new URL(endpoint, window.location.href);
    url.searchParams.set("lang", lang);
    fetch(url.pathname + url.search, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(endpoint + " answered " + r.status); }
      return r.json();
    }).then(function (body) {
      body.lakes.features.forEach(function (f) {
        var layer = L.geoJSON(f, { pane: panes.water, interactive: false,
          style: { color: WATER, weight: 0.8, fillColor: LAKE_FILL, fillOpacity: 1 } });
        byZoom.push([Math.min(f.properties.min_zoom, 6), layer, water, "lake"]);
      });
      body.rivers.features.forEach(function (f) {
        var layer = L.geoJSON(f, { pane: panes.water, interactive: false,
          style: { color: WATER, weight: f.properties.min_zoom <= 4 ? 2 : 1.2, opacity: 0.9 } });
        byZoom.push([f.properties.min_zoom, layer, water, "river"]);
      });
      body.country_labels.features.forEach(function (f) {
        var c = f.geometry.coordinates;
        var marker = L.marker([c[1], c[0]], { pane: panes.labels, icon: countryIcon(f.properties),
          interactive: false, keyboard: false });
        byZoom.push([f.properties.min_zoom, marker, labels, "country"]);
      });
      body.places.features.forEach(function (f) {
        var c = f.geometry.coordinates;
        var marker = L.marker([c[1], c[0]], { pane: panes.places, icon: placeIcon(f.properties),
          interactive: false, keyboard: false });
        byZoom.push([placeZoom(f.properties), marker, labels, "place"]);
      });
      status = { loaded: true, places: body.places.features.length, lakes: body.lakes.features.length,
        rivers: body.rivers.features.length, countries: body.country_labels.features.length };
      map.getContainer().setAttribute("data-basemap", JSON.stringify(status));
      sync();
    }).catch(function (err) {
      map.getContainer().setAttribute("data-basemap", JSON.stringify({ loaded: false, error: err.message }));
    });
    map.on("zoomend", sync);
    return { water: water, labels: labels, status: function () { return status; } };
  }

  /* ---- The overlay legend: raster ramps, distance bands, the partner-share layer, and the words explained. ---- */
  function rampBar(colours) {
    var bar = el("div", "atlas-ramp");
    bar.style.background = "linear-gradient(to right, " + colours.join(", ") + ")";
    return bar;
  }

  function legendSection(title) {
    var box = el("div", "atlas-legend-section");
    box.appendChild(el("div", "atlas-legend-title", title));
    return box;
  }

  function rasterSection(raster) {
    var box = legendSection(raster.title);
    box.setAttribute("data-raster", raster.name);
    if (raster.ramp) {
      box.appendChild(rampBar(raster.ramp.colours));
      var scale = el("div", "atlas-ramp-scale");
      scale.appendChild(el("span", null, "≤ " + raster.ramp.low + " " + raster.units));
      scale.appendChild(el("span", null, "≥ " + raster.ramp.high + " " + raster.units));
      box.appendChild(scale);
    }
    box.appendChild(el("div", "atlas-legend-note", MESSAGES.rampNote));
    return box;
  }

  function bandsSection(options) {
    var box = legendSection(MESSAGES.bandsTitle);
    box.setAttribute("data-bands", "1");
    [[50, 0.18], [100, 0.10], [250, 0.05]].forEach(function (band) {
      var line = el("div", "atlas-band-line");
      var swatch = el("span", "atlas-band-swatch");
      swatch.style.background = "rgba(0, 114, 178, " + (band[1] * 2.5).toFixed(2) + ")";
      line.appendChild(swatch);
      line.appendChild(document.createTextNode(MESSAGES.bandWithin.replace("{km}", band[0])));
      box.appendChild(line);
    });
    box.appendChild(el("div", "atlas-legend-note", MESSAGES.bandsCorridors));
    return box;
  }

  function choroplethSection(partner, colour) {
    var box = legendSection(MESSAGES.choroplethTitle.replace("{partner}", partner));
    box.setAttribute("data-choropleth", partner);
    var row = el("div", "atlas-choropleth-steps");
    [0, 25, 50, 75, 100].forEach(function (share) {
      var step = el("span", "atlas-choropleth-step");
      var swatch = el("span", "atlas-band-swatch");
      swatch.style.background = colour;
      swatch.style.opacity = share ? String(0.15 + 0.6 * share / 100) : "0";
      step.appendChild(swatch);
      step.appendChild(document.createTextNode(share + " %"));
      row.appendChild(step);
    });
    box.appendChild(row);
    box.appendChild(el("div", "atlas-legend-note", MESSAGES.choroplethNote));
    return box;
  }

  function wordsSection() {
    var box = legendSection(MESSAGES.wordsTitle);
    box.classList.add("atlas-legend-words");
    var schematic = el("div", "atlas-word-schematic");
    schematic.appendChild(el("strong", null, MESSAGES.schematicWord + ": "));
    schematic.appendChild(document.createTextNode(MESSAGES.schematicText));
    var share = el("div", "atlas-word-share-unknown");
    share.appendChild(el("strong", null, MESSAGES.shareUnknownWord + ": "));
    share.appendChild(document.createTextNode(MESSAGES.shareUnknownText));
    box.appendChild(schematic);
    box.appendChild(share);
    return box;
  }

  function overlayLegend(map, overlays, config) {
    var C = L.Control.extend({
      onAdd: function () {
        var div = el("div", "atlas-panel atlas-overlay-legend");
        div.setAttribute("aria-label", MESSAGES.legendTitle);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    var control = new C({ position: "topleft" });
    control.addTo(map);
    var div = control.getContainer();
    var folded = window.matchMedia && window.matchMedia("(max-width: 700px)").matches;
    function fill() {
      var title = el("button", "atlas-legend-toggle", MESSAGES.legendTitle);
      title.type = "button";
      title.setAttribute("aria-expanded", folded ? "false" : "true");
      title.addEventListener("click", function () { folded = !folded; fill(); });
      div.replaceChildren(title);
      div.classList.toggle("atlas-folded", folded);
      (config.rasters || []).forEach(function (raster) {
        if (overlays[raster.title] && map.hasLayer(overlays[raster.title])) { div.appendChild(rasterSection(raster)); }
      });
      if (overlays[config.bandsKey] && map.hasLayer(overlays[config.bandsKey])) { div.appendChild(bandsSection()); }
      if (overlays[config.choroplethKey] && map.hasLayer(overlays[config.choroplethKey])) {
        var partner = config.partner();
        div.appendChild(choroplethSection(partner, config.partnerColours[partner] || "#999"));
      }
      div.appendChild(wordsSection());
    }
    map.on("overlayadd overlayremove", fill);
    var form = document.getElementById("atlas-filter-form");
    if (form) { form.addEventListener("change", function () { setTimeout(fill, 0); }); }
    fill();
    return { refresh: fill, container: div };
  }

  /* ---- "Download PNG": the server draws the current view (/map.png) with its legend and attribution. ---- */
  var PNG_KEYS = ["country", "commodity", "deposit_type", "status", "partner", "partner_any", "licensed",
    "holder_unknown", "corridor", "max_corridor_km", "q", "as_of", "colour", "lang"];
  var MAX_PNG_SIDE = 2000;

  function pngUrl(map, endpoint, lang) {
    var b = map.getBounds();
    function fixed(v, low, high) { return Math.min(high, Math.max(low, v)).toFixed(4); }
    var url = new URL(endpoint, window.location.href);
    var page = new URLSearchParams(window.location.search);
    PNG_KEYS.forEach(function (key) { if (page.get(key)) { url.searchParams.set(key, page.get(key)); } });
    url.searchParams.set("lang", lang);
    url.searchParams.set("bbox", [fixed(b.getWest(), -180, 180), fixed(b.getSouth(), -85, 85),
      fixed(b.getEast(), -180, 180), fixed(b.getNorth(), -85, 85)].join(","));
    var size = map.getSize();
    url.searchParams.set("width", String(Math.min(MAX_PNG_SIDE, Math.max(200, size.x))));
    url.searchParams.set("height", String(Math.min(MAX_PNG_SIDE, Math.max(200, size.y))));
    return url.pathname + url.search;
  }

  function pngControl(map, endpoint, lang) {
    var C = L.Control.extend({
      onAdd: function () {
        var div = el("div", "atlas-panel atlas-png");
        var link = el("a", "atlas-png-link", MESSAGES.downloadPng);
        link.id = "atlas-png-link";
        link.setAttribute("download", "");
        link.title = MESSAGES.downloadPngTitle;
        function update() { link.href = pngUrl(map, endpoint, lang); }
        link.addEventListener("focus", update);
        link.addEventListener("mouseenter", update);
        link.addEventListener("click", update);
        map.on("moveend", update);
        window.addEventListener("popstate", update);
        update();
        div.appendChild(link);
        L.DomEvent.disableClickPropagation(div);
        return div;
      }
    });
    return new C({ position: "topleft" }).addTo(map);
  }

  /* Called at the start of AtlasMap.init: panes, translated texts, the base layers when there are no tiles. */
  function init(map, options, tiles) {
    var config = readJson("atlas-basemap-options") || {};
    MESSAGES = config.messages || {};
    if (window.AtlasMap && window.AtlasMap.messages && config.atlasMessages) {
      Object.assign(window.AtlasMap.messages, config.atlasMessages);
    }
    var panes = createPanes(map);
    var lang = document.documentElement.lang === "ru" ? "ru" : "en";
    var base = config.endpoint ? baseLayers(map, config.endpoint, panes, lang) : null;
    function showBase() {
      if (base) { base.water.addTo(map); base.labels.addTo(map); }
    }
    if (!tiles) { showBase(); } else { tiles.once("tileerror", showBase); }
    if (config.png) { pngControl(map, config.png, lang); }
    var api = {
      panes: panes, base: base, config: config,
      /* Called once atlas.js has made every overlay: put the rasters in their pane, add the legend. */
      attach: function (overlays, view) {
        (config.rasters || []).forEach(function (raster) {
          var layer = overlays[raster.title];
          if (layer) { layer.options.pane = panes.raster; }
        });
        if (base) {
          overlays[MESSAGES.waterLayer] = base.water;
          overlays[MESSAGES.labelsLayer] = base.labels;
        }
        var messages = window.AtlasMap.messages;
        api.legend = overlayLegend(map, overlays, {
          rasters: config.rasters, bandsKey: messages.bands, choroplethKey: messages.choropleth,
          partner: function () { return view().partner; }, partnerColours: options.partnerColours
        });
      },
      bandTooltip: function (km) { return MESSAGES.bandTooltip.replace("{km}", km); }
    };
    window.AtlasBasemap.current = api;
    return api;
  }

  window.AtlasBasemap = { init: init, panes: PANES };
})();
