/* The atlas map and its workspace in the browser: outlines, clustered sites, filters with counts kept in the URL,
 * a table of the filtered sites, a date slider, a grouped search and a legend.
 * Every text from the data reaches the page through textContent, never as HTML, and the options arrive as JSON. */
(function () {
  "use strict";

  /* Every UI text of the map page's script, in one place, so it can be translated. */
  var MESSAGES = {
    country: "Country", commodities: "Commodities", sources: "Sources", record: " record", records: " records",
    controlledBy: "Controlled by", nearestCorridor: "Nearest corridor", withPlanned: "With planned lines",
    nearestGateway: "Nearest gateway", precision: "Precision", sitePage: "Site page and sources →",
    loading: "Loading sites…", mapped: "{n} mapped sites ({m} match)", matched: "({n} sites)",
    sitesFailed: "Sites failed to load: ", outlinesFailed: "Outlines failed: ", facetsFailed: "Counts failed: ",
    searchFailed: "Search failed: ", noMatch: "Nothing matches.", notMapped: "not mapped", near: "near match",
    commodityMeta: "commodity · {n} sites · show them", ofLicensed: "of {n} licensed deposits",
    legendPartner: "Controlling partner", legendGroup: "Commodity group",
    corridorLegend: "Corridor status (dashed: schematic; dotted: sea)",
    corridors: "Export corridors", gateways: "Gateways", bands: "Distance bands (50/100/250 km)",
    corridorsFailed: "Corridors failed: ", gatewaysFailed: "Gateways failed: ", buffersFailed: "Buffers failed: ",
    coverage: "{h} of {s} sites have a sourced holder ({k} a known share) on {d}",
    coverageFailed: "Coverage failed to load: ", baseMap: "OpenStreetMap", outlines: "Country outlines",
    sites: "Deposit sites", choropleth: "Partner share by country", previous: "‹ Previous", next: "Next ›",
    page: "page {p} of {n} · {rows} sites", nRecords: "{n} records", attribution: "",
    kinds: { sites: "Deposits", commodities: "Commodities", companies: "Companies (holders and owners)",
      countries: "Countries" },
    columns: { name: "Name", country: "Country", commodities: "Commodities", status: "Status",
      holders: "Holders", controlling_partner: "Controlling partner", shares: "Shares", corridor: "Nearest corridor (± precision)",
      n_sources: "Sources" }
  };

  /* The page's translations (webapp/pages/js_messages.py, a JSON data block) laid over the English above;
   * called by init, once the page's body (and the block) is there. */
  function loadMessages() {
    var node = document.getElementById("atlas-messages");
    var given = node ? JSON.parse(node.textContent) : {};
    Object.keys(given).forEach(function (key) {
      var isGroup = given[key] && typeof given[key] === "object" && !given[key].plural;
      MESSAGES[key] = isGroup ? Object.assign({}, MESSAGES[key], given[key]) : given[key];
    });
  }
  var PLURALS = new Intl.PluralRules(document.documentElement.lang || "en");

  /* A UI text with its {placeholders} filled; a counted text picks its plural form by the count it names. */
  function msg(key, values) {
    var text = MESSAGES[key];
    if (text && typeof text === "object") { text = text[PLURALS.select(Number(values[text.plural]))] || text.other; }
    return String(text).replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function fetchJson(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + " answered " + r.status); }
      return r.json();
    });
  }

  function popupContent(p) {
    var box = el("div", "atlas-popup");
    box.appendChild(el("h4", null, p.name));
    var dl = el("dl");
    function row(label, value) {
      dl.appendChild(el("dt", null, label));
      dl.appendChild(el("dd", null, value));
    }
    row(MESSAGES.country, p.country);
    row(MESSAGES.commodities, (p.commodities || []).join(", ") || "—");
    row(MESSAGES.sources, msg("nRecords", { n: p.n_sources }));
    if (p.controlling_partner) { row(MESSAGES.controlledBy, p.controlling_partner); }
    var pm = p.location_precision_km ? " ± " + p.location_precision_km + " km" : "";
    if (p.nearest_corridor) {
      row(MESSAGES.nearestCorridor, p.nearest_corridor_name + ": " + p.corridor_distance_km.toFixed(0) + " km" + pm);
    }
    if (p.nearest_corridor_any && p.nearest_corridor_any !== p.nearest_corridor) {
      row(MESSAGES.withPlanned, p.nearest_corridor_any_name + ": " + p.corridor_distance_any_km.toFixed(0) + " km");
    }
    if (p.nearest_gateway) {
      row(MESSAGES.nearestGateway, p.nearest_gateway_name + ": " + p.gateway_distance_km.toFixed(0) + " km");
    }
    if (p.location_precision_km !== null && p.location_precision_km !== undefined) {
      row(MESSAGES.precision, "± " + p.location_precision_km + " km");
    }
    box.appendChild(dl);
    var link = el("a", null, MESSAGES.sitePage);
    link.href = p.url;
    box.appendChild(link);
    return box;
  }

  function control(position, className, build) {
    var C = L.Control.extend({
      onAdd: function () {
        var div = el("div", "atlas-panel " + className);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        build(div);
        return div;
      }
    });
    return new C({ position: position });
  }

  /* A legend that folds to its title on a click (folded from the start on a narrow screen). */
  function collapsible(div) {
    if (window.matchMedia && window.matchMedia("(max-width: 700px)").matches) { div.classList.add("atlas-collapsed"); }
    div.setAttribute("role", "button");
    div.tabIndex = 0;
    function toggle() { div.classList.toggle("atlas-collapsed"); }
    div.addEventListener("click", toggle);
    div.addEventListener("keydown", function (event) { if (event.key === "Enter" || event.key === " ") { toggle(); } });
  }

  /* A legend: a title, one coloured swatch per name, then `extra` entries ({label, kind}) whose swatch is
   * styled by its kind's CSS class (swatch-holder-unknown, swatch-share-unknown). */
  function fillLegend(div, title, colours, extra) {
    div.replaceChildren(el("strong", null, title));
    Object.keys(colours).forEach(function (name) {
      var line = el("div");
      var swatch = el("span", "swatch");
      swatch.style.background = colours[name];
      line.appendChild(swatch);
      line.appendChild(document.createTextNode(name));
      div.appendChild(line);
    });
    (extra || []).forEach(function (entry) {
      var line = el("div", "legend-" + entry.kind);
      line.appendChild(el("span", "swatch swatch-" + entry.kind));
      line.appendChild(document.createTextNode(entry.label));
      div.appendChild(line);
    });
  }

  function withParams(url, params) {
    var u = new URL(url, window.location.href);
    Object.keys(params).forEach(function (key) {
      if (params[key]) { u.searchParams.set(key, params[key]); } else { u.searchParams.delete(key); }
    });
    return u.pathname + u.search;
  }

  /* The map's bounds as minlon,minlat,maxlon,maxlat, widened to 6 decimals and kept within the globe. */
  function boundsParam(map) {
    var b = map.getBounds();
    function clamp(v, low, high) { return Math.min(high, Math.max(low, v)); }
    return [Math.floor(clamp(b.getWest(), -180, 180) * 1e6) / 1e6, Math.floor(clamp(b.getSouth(), -90, 90) * 1e6) / 1e6,
      Math.ceil(clamp(b.getEast(), -180, 180) * 1e6) / 1e6, Math.ceil(clamp(b.getNorth(), -90, 90) * 1e6) / 1e6]
      .join(",");
  }

  /* The filter parameters of the server's filter model (webapp/filters.py), and the page's own view keys. */
  var FILTER_KEYS = ["country", "commodity", "deposit_type", "status", "partner", "partner_any", "licensed",
    "holder_unknown", "corridor", "max_corridor_km", "q"];
  var VIEW_DEFAULTS = { colour: "group", layer_partner: "China", table: "", inview: "", sort: "name", dir: "asc",
    page: "1", cols: "", at: "" };
  var COLUMNS = ["name", "country", "commodities", "status", "holders", "controlling_partner", "shares", "corridor",
    "n_sources"];
  var DEFAULT_COLUMNS = ["name", "country", "commodities", "holders", "controlling_partner", "shares", "corridor"];
  var PAGE_SIZE = 25;

  function today() { return new Date().toISOString().slice(0, 10); }

  /* The whole view from the page's URL: filters, as_of, colouring, table state and map position. */
  function stateFromUrl() {
    var params = new URLSearchParams(window.location.search);
    var state = { as_of: params.get("as_of") || "" };
    FILTER_KEYS.forEach(function (key) { state[key] = params.get(key) || ""; });
    Object.keys(VIEW_DEFAULTS).forEach(function (key) { state[key] = params.get(key) || VIEW_DEFAULTS[key]; });
    return state;
  }

  function stateQuery(state) {
    var params = new URLSearchParams();
    FILTER_KEYS.forEach(function (key) { if (state[key]) { params.set(key, state[key]); } });
    if (state.as_of) { params.set("as_of", state.as_of); }
    Object.keys(VIEW_DEFAULTS).forEach(function (key) {
      if (state[key] && state[key] !== VIEW_DEFAULTS[key]) { params.set(key, state[key]); }
    });
    var text = params.toString();
    return text ? "?" + text : "";
  }

  /* Only the filter parameters (and as_of): what every API request of the view carries. */
  function filterParams(state) {
    var params = {};
    FILTER_KEYS.forEach(function (key) { params[key] = state[key]; });
    params.as_of = state.as_of || today();
    return params;
  }

  function sharesText(p, partners) {
    var parts = [];
    partners.forEach(function (name) {
      var value = p["share_" + name.toLowerCase().replace(/ /g, "_")];
      if (value !== null && value !== undefined) { parts.push(name + " " + Math.round(value) + " %"); }
    });
    return parts.join(", ");
  }

  function corridorText(p) {
    if (!p.nearest_corridor) { return ""; }
    var pm = p.location_precision_km ? " ± " + p.location_precision_km : "";
    return p.nearest_corridor_name + ": " + Math.round(p.corridor_distance_km) + pm + " km";
  }

  function cellValue(p, column, partners) {
    switch (column) {
      case "commodities": return (p.commodities || []).join(", ");
      case "holders": return (p.holders || []).join("; ");
      case "controlling_partner": return p.controlling_partner || "";
      case "shares": return sharesText(p, partners);
      case "corridor": return corridorText(p);
      default: return p[column] === null || p[column] === undefined ? "" : String(p[column]);
    }
  }

  function sortKey(p, column, partners) {
    if (column === "corridor") { return p.corridor_distance_km === null ? Infinity : p.corridor_distance_km; }
    if (column === "n_sources") { return p.n_sources; }
    return cellValue(p, column, partners).toLowerCase();
  }

  /* A cluster of `total` sites, `counts` of them per fill colour, as a conic gradient (a small pie) with its count.
   * Drawn by static/clusters.js for the clusters of the server and of the browser alike. */
  function pieIcon(counts, total, extraClass) {
    var colours = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; });
    var stops = [];
    var start = 0;
    colours.forEach(function (colour) {
      var end = start + 100 * counts[colour] / total;
      stops.push(colour + " " + start.toFixed(2) + "% " + end.toFixed(2) + "%");
      start = end;
    });
    var size = total < 10 ? 30 : total < 100 ? 36 : 42;
    var outer = el("div", "atlas-cluster-pie");
    outer.style.background = "conic-gradient(" + stops.join(", ") + ")";
    outer.setAttribute("data-colours", colours.join(" "));
    outer.setAttribute("data-dominant", colours[0] || "");
    outer.appendChild(el("span", null, total));
    return L.divIcon({ html: outer, className: "marker-cluster atlas-cluster" + (extraClass ? " " + extraClass : ""),
      iconSize: L.point(size, size) });
  }

  /* The zoom that shows a site's location circle (± precision km) whole, between 6 and 12. */
  function zoomToSite(map, latlng, precisionKm) {
    var radius = Math.max(precisionKm || 1, 1) * 1000;
    var zoom = map.getBoundsZoom(latlng.toBounds(2 * radius));
    map.setView(latlng, Math.max(6, Math.min(12, zoom)), { animate: false });
  }

  /* The workspace search: results grouped by kind, chosen by mouse or keyboard (arrows, Enter, Escape). */
  function searchPanel(config) {
    var input = document.getElementById("atlas-search-input");
    var list = document.getElementById("atlas-search-results");
    if (!input || !list) { return; }
    var items = [];
    var active = -1;
    var timer = null;
    var runs = 0;
    function close() {
      list.replaceChildren();
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      items.forEach(function (item, i) { item.node.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", items[index].node.id);
        items[index].node.scrollIntoView({ block: "nearest" });
      }
    }
    function choose(item) {
      close();
      item.action();
    }
    function option(label, meta, action) {
      var node = el("div", "atlas-search-option");
      node.id = "atlas-search-option-" + items.length;
      node.setAttribute("role", "option");
      node.setAttribute("aria-selected", "false");
      node.appendChild(el("div", null, label));
      if (meta) { node.appendChild(el("div", "meta", meta)); }
      var item = { node: node, action: action };
      node.addEventListener("mousedown", function (event) { event.preventDefault(); });
      node.addEventListener("click", function () { choose(item); });
      items.push(item);
      return node;
    }
    function show(body) {
      close();
      if (!body.groups.length) { list.appendChild(el("div", "meta", MESSAGES.noMatch)); return; }
      body.groups.forEach(function (group) {
        var box = el("div", "atlas-search-group");
        box.setAttribute("role", "group");
        box.setAttribute("data-kind", group.kind);
        var heading = el("div", "atlas-search-kind", MESSAGES.kinds[group.kind] || group.kind);
        heading.id = "atlas-search-kind-" + group.kind;
        box.setAttribute("aria-labelledby", heading.id);
        box.appendChild(heading);
        group.items.forEach(function (entry) {
          if (group.kind === "sites") {
            var p = entry.properties;
            box.appendChild(option(p.name, p.country + " · " + (p.commodities || []).slice(0, 6).join(", ") +
              (entry.geometry ? "" : " · " + MESSAGES.notMapped) + (p.match === "typo" ? " · " + MESSAGES.near : ""),
              function () { config.onSite(entry); }));
          } else if (group.kind === "commodities") {
            box.appendChild(option(entry.value, msg("commodityMeta", { n: entry.sites }),
              function () { config.onCommodity(entry.value); }));
          } else if (group.kind === "companies") {
            box.appendChild(option(entry.name, entry.name_ru || "", function () { config.onLink(entry.url); }));
          } else if (group.kind === "countries") {
            box.appendChild(option(entry.name, entry.name_ru, function () { config.onCountry(entry.country); }));
          }
        });
        list.appendChild(box);
      });
      input.setAttribute("aria-expanded", "true");
    }
    function run(text) {
      var run = ++runs;
      if (!text.trim()) { close(); return; }
      fetchJson(withParams(config.endpoint, { q: text, as_of: config.asOf(), limit: "8" })).then(function (body) {
        if (run === runs) { show(body); }
      }).catch(function (err) { list.replaceChildren(el("div", "meta", MESSAGES.searchFailed + err.message)); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { run(input.value); }, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && items.length) {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp" && items.length) {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (active >= 0) { choose(items[active]); } else if (items.length) { choose(items[0]); }
      } else if (event.key === "Escape") {
        close();
      }
    });
  }

  /* Corridors coloured by status, drawn dashed where schematic or at sea; gateways; distance buffers;
   * raster overlays. Every layer loads from the API, so the page itself stays small. */
  function transportLayers(map, options, status) {
    var corridorLayer = L.geoJSON(null, {
      style: function (feature) {
        var p = feature.properties;
        return { color: options.statusColours[p.status] || "#555", weight: p.on_track ? 4 : 3,
          dashArray: p.on_track ? null : (p.reason === "sea" ? "2 8" : "10 8"), opacity: 0.9 };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(function () {
          return el("span", null, p.corridor_name + ": " + p.from_name + " – " + p.to_name + " (" +
            Math.round(p.length_km) + " km" + (p.on_track ? ", along track" : ", schematic: " + p.reason) + ")");
        });
      }
    });
    var gatewayLayer = L.geoJSON(null, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 7, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1 });
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(function () {
          return el("span", null, feature.properties.name + " (" + feature.properties.kind.replace("_", " ") + ")");
        });
      }
    });
    var bufferLayer = L.geoJSON(null, {
      interactive: Boolean(window.AtlasBasemap),
      style: function (feature) {
        return { color: "#0072B2", weight: 1, fillColor: "#0072B2",
          fillOpacity: { 50: 0.18, 100: 0.10, 250: 0.05 }[feature.properties.distance_km] || 0.05 };
      },
      onEachFeature: function (feature, layer) {  // which corridors a band is around (basemap.js)
        if (window.AtlasBasemap && window.AtlasBasemap.current) {
          layer.bindTooltip(el("span", null, window.AtlasBasemap.current.bandTooltip(feature.properties.distance_km)),
            { sticky: true });
        }
      }
    });
    bufferLayer.on("add", function () { bufferLayer.bringToBack(); });
    fetchJson(options.endpoints.corridorSegments).then(function (fc) { corridorLayer.addData(fc); })
      .catch(function (err) { status.textContent = MESSAGES.corridorsFailed + err.message; });
    fetchJson(options.endpoints.gateways).then(function (fc) { gatewayLayer.addData(fc); })
      .catch(function (err) { status.textContent = MESSAGES.gatewaysFailed + err.message; });
    var overlays = {};
    overlays[MESSAGES.corridors] = corridorLayer;
    overlays[MESSAGES.gateways] = gatewayLayer;
    overlays[MESSAGES.bands] = bufferLayer;
    bufferLayer.once("add", function () {
      fetchJson(options.endpoints.buffers).then(function (fc) { bufferLayer.addData(fc); bufferLayer.bringToBack(); })
        .catch(function (err) { status.textContent = MESSAGES.buffersFailed + err.message; });
    });
    (options.rasters || []).forEach(function (raster) {
      var overlay = L.imageOverlay(raster.png, raster.bounds, { opacity: 0.6, attribution: raster.attribution });
      overlays[raster.title] = overlay;
    });
    corridorLayer.addTo(map);
    gatewayLayer.addTo(map);
    control("bottomright", "atlas-corridor-legend", function (div) {
      fillLegend(div, MESSAGES.corridorLegend, options.statusColours);
      collapsible(div);
    }).addTo(map);
    return overlays;
  }

  /* A site marker's style. By controlling partner: the partner's colour; a white disc with a dark outline when
   * a holder is sourced but no single partner controls it ("share unknown"); a small hollow ring when no
   * sourced licence is in force ("holder unknown"), so the many unlicensed sites do not read as a partner. */
  function siteStyle(p, view, options) {
    var base = { radius: 6, color: "#222", weight: 1, fillOpacity: 0.9 };
    if (view.mode !== "partner") {
      return Object.assign(base, { fillColor: options.colours[p.primary_group] || options.colours.other });
    }
    if (p.ownership_coverage === "holder unknown") {
      return { radius: 3, color: "#333", weight: 1.5, fillColor: "#FFFFFF", fillOpacity: 0 };
    }
    var colour = p.controlling_partner && p.controlling_partner !== "unknown" &&
      options.partnerColours[p.controlling_partner];
    return Object.assign(base, colour ? { fillColor: colour } : { fillColor: "#FFFFFF", weight: 2 });
  }

  /* "N of M sites have a sourced holder" on the day shown, from /api/coverage. */
  function showCoverage(div, options, asOf) {
    if (!options.endpoints.coverage) { return; }
    fetchJson(withParams(options.endpoints.coverage, { as_of: asOf })).then(function (body) {
      var t = body.totals;
      div.textContent = msg("coverage", { h: t.sites_with_holder, s: t.sites, k: t.sites_with_known_share,
        d: body.as_of });
      div.setAttribute("data-as-of", body.as_of);
    }).catch(function (err) { div.textContent = MESSAGES.coverageFailed + err.message; });
  }

  /* The map's options come from a <script type="application/json"> block, parsed here, and never from script
   * text: the page is rendered through a template compiler that must never see data. */
  function readOptions(elementId) {
    var node = document.getElementById(elementId);
    if (!node) { throw new Error("the map's options block #" + elementId + " is missing"); }
    return JSON.parse(node.textContent);
  }

  function init(map, optionsId) {
    loadMessages();
    var options = readOptions(optionsId);
    var tiles = options.tiles ? L.tileLayer(options.tiles.url, {
      attribution: options.tiles.attribution, maxZoom: 18, maxNativeZoom: 18
    }).addTo(map) : null;
    // basemap.js: panes, the offline base map, the overlay legend and the PNG control.
    var basemap = window.AtlasBasemap ? window.AtlasBasemap.init(map, options, tiles) : null;
    var state = stateFromUrl();
    var partners = Object.keys(options.partnerColours).filter(function (n) { return n !== "unknown"; });
    function asOf() { return state.as_of || today(); }
    function view() { return { asOf: asOf(), mode: state.colour, partner: state.layer_partner }; }
    var tilesFailed = false;
    var outlines = L.geoJSON(null, {
      interactive: false, pane: basemap ? basemap.panes.base : "overlayPane",
      style: function () {
        return { color: "#555", weight: 1, fillColor: "#f4f1ea", fillOpacity: tiles && !tilesFailed ? 0 : 1 };
      }
    }).addTo(map);
    if (tiles) {
      tiles.once("tileerror", function () {
        tilesFailed = true;
        outlines.resetStyle();
        map.getContainer().setAttribute("data-tiles", "unavailable");
      });
    }
    var choropleth = L.geoJSON(null, {
      style: function (feature) {
        var share = (feature.properties.partner_shares || {})[state.layer_partner];
        return { color: "#333", weight: 1, fillColor: options.partnerColours[state.layer_partner] || "#999",
          fillOpacity: share ? 0.15 + 0.6 * share / 100 : 0 };
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(function () {
          var p = feature.properties;
          var share = (p.partner_shares || {})[state.layer_partner];
          return el("span", null, p.name + ": " + state.layer_partner + " " + (share ? share.toFixed(1) + " %" : "0 %") +
            " " + msg("ofLicensed", { n: p.licensed_sites || 0 }));
        });
      }
    });
    if (map.options.maxZoom === undefined) { map.setMaxZoom(18); }
    var cluster = window.AtlasClusters.siteLayer();
    var markers = {};
    var features = [];
    map.attributionControl.addAttribution(MESSAGES.attribution || options.attribution);
    var statusDiv = control("bottomleft", "atlas-status", function () {}).addTo(map).getContainer();
    var legendControl = control("bottomright", "atlas-legend", function () {}).addTo(map);
    var coverageLine = el("div", "atlas-coverage");
    collapsible(legendControl.getContainer());

    function siteUrl(p) { return withParams(p.url, { as_of: asOf() }); }
    function popupFor(p) {
      var box = popupContent(p);
      box.querySelector("a").href = siteUrl(p);
      return box;
    }

    function loadCountries() {
      fetchJson(withParams(options.endpoints.countries, { as_of: asOf() })).then(function (fc) {
        outlines.clearLayers();
        outlines.addData(fc);
        outlines.bringToBack();
        choropleth.clearLayers();
        choropleth.addData(fc);
      }).catch(function (err) { statusDiv.textContent = MESSAGES.outlinesFailed + err.message; });
    }

    /* The map's sites come from /api/clusters for the view (static/clusters.js); the table's from /api/sites. */
    function siteMarker(feature) {
      var layer = L.circleMarker(L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]),
        siteStyle(feature.properties, view(), options));
      layer.feature = feature;
      markers[feature.properties.site_id] = layer;
      layer.bindPopup(function () { return popupFor(feature.properties); });
      layer.bindTooltip(function () { return el("span", null, feature.properties.name); });
      return layer;
    }
    var facetsAfterSites = false;
    var sitesLoader = window.AtlasClusters.loader({
      map: map, layer: cluster, endpoint: options.endpoints.clusters,
      params: function () { return filterParams(state); },
      colour: function () { return state.colour === "partner" ? "partner" : "group"; },
      colourOf: function (category) {
        if (state.colour === "partner") { return options.partnerColours[category] || "#FFFFFF"; }
        return options.colours[category] || options.colours.other;
      },
      reset: function () { markers = {}; },
      marker: siteMarker,
      loaded: function (body) {
        if (facetsAfterSites) { facetsAfterSites = false; loadFacets(); }
        statusDiv.textContent = msg("mapped", { n: body.totals.mapped, m: body.totals.matched });
        statusDiv.setAttribute("data-sites", String(body.totals.mapped));
        statusDiv.setAttribute("data-matched", String(body.totals.matched));
        statusDiv.setAttribute("data-as-of", body.as_of);
        statusDiv.setAttribute("data-filter", stateQuery(state));
      },
      failed: function (err) {
        if (facetsAfterSites) { facetsAfterSites = false; loadFacets(); }
        statusDiv.textContent = MESSAGES.sitesFailed + err.message;
        statusDiv.classList.add("error");
      }
    });
    function loadSites() {
      statusDiv.textContent = MESSAGES.loading;
      statusDiv.classList.remove("error");
      sitesLoader.reload();
      tableFor = null;
      loadTableSites();
    }

    var tableLoads = 0;
    var tableFor = null;  // the filters the table's sites were fetched for
    /* The table's sites (unmapped ones too), fetched when the table is open. */
    function loadTableSites() {
      if (!(tableBox && tableBox.open)) { return; }
      var key = JSON.stringify(filterParams(state));
      if (tableFor === key) { renderTable(); return; }
      var load = ++tableLoads;
      fetchJson(withParams(options.endpoints.sites, filterParams(state))).then(function (fc) {
        if (load !== tableLoads) { return; }
        features = fc.features;
        tableFor = key;
        renderTable();
      }).catch(function (err) { statusDiv.textContent = MESSAGES.sitesFailed + err.message; });
    }

    function recolour() {
      cluster.eachLayer(function (layer) { layer.setStyle(siteStyle(layer.feature.properties, view(), options)); });
      cluster.refreshClusters();
      sitesLoader.recolour();
      fillLegendFor();
      choropleth.setStyle(choropleth.options.style);
    }

    function fillLegendFor() {
      var div = legendControl.getContainer();
      if (state.colour === "partner") {
        var colours = Object.assign({}, options.partnerColours);
        delete colours.unknown;
        fillLegend(div, MESSAGES.legendPartner, colours, Object.keys(options.coverageLabels).map(function (kind) {
          return { kind: kind.replace(" ", "-"), label: options.coverageLabels[kind] };
        }));
      } else {
        fillLegend(div, MESSAGES.legendGroup, options.colours);
      }
      div.appendChild(coverageLine);
    }

    /* ---- The workspace: filters with counts, date slider, table, downloads, search, all in the URL. ---- */
    var form = document.getElementById("atlas-filter-form");
    var slider = document.getElementById("atlas-slider");
    var dateInput = document.getElementById("atlas-date");
    var dateLabel = document.getElementById("atlas-date-label");
    var tableBox = document.getElementById("atlas-table-box");
    var inview = document.getElementById("atlas-inview");
    var start = new Date((slider ? slider.getAttribute("data-start") : "2000-01-01") + "T00:00:00Z");
    function monthIndex(day) {
      var d = new Date(day + "T00:00:00Z");
      return (d.getUTCFullYear() - start.getUTCFullYear()) * 12 + d.getUTCMonth() - start.getUTCMonth();
    }
    function monthDay(index) {
      var d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + index, 1));
      var iso = d.toISOString().slice(0, 10);
      return iso > today() ? today() : iso;
    }

    function writeUrl(push) {
      var url = window.location.pathname + stateQuery(state);
      if (push) { window.history.pushState(null, "", url); } else { window.history.replaceState(null, "", url); }
      updateLinks();
    }

    /* Every link the page makes carries the view's date (and the workspace's filters where the target reads them). */
    function updateLinks() {
      document.querySelectorAll("header a").forEach(function (a) {
        if (!a.hasAttribute("data-base")) { a.setAttribute("data-base", a.getAttribute("href")); }
        var base = a.getAttribute("data-base");
        a.href = /\/api\//.test(base) ? base : withParams(base, { as_of: state.as_of });
      });
      var between = document.getElementById("atlas-between-link");
      var compare = document.getElementById("atlas-compare");
      if (between && compare) {
        var a = compare.value || "2020-01-01";
        var b = asOf();
        between.href = withParams(options.endpoints.between || between.getAttribute("href"),
          { from: a < b ? a : b, to: a < b ? b : a });
      }
      var extra = inview && inview.checked ? { bbox: boundsParam(map) } : {};
      document.querySelectorAll("#atlas-downloads a[data-format]").forEach(function (a) {
        a.href = withParams(options.endpoints.sites.split("?")[0],
          Object.assign({ f: a.getAttribute("data-format") }, filterParams(state), extra));
      });
    }

    function applyStateToControls() {
      if (form) {
        Array.prototype.forEach.call(form.elements, function (node) {
          if (!node.name || !(node.name in state)) { return; }
          if (node.tagName === "SELECT" && state[node.name] &&
              !Array.prototype.some.call(node.options, function (o) { return o.value === state[node.name]; })) {
            var opt = el("option", null, state[node.name]);
            opt.value = state[node.name];
            node.appendChild(opt);
          }
          node.value = state[node.name];
        });
      }
      if (slider) {
        slider.max = String(monthIndex(today()));
        slider.value = String(monthIndex(asOf()));
        dateInput.value = asOf();
        dateLabel.textContent = asOf();
      }
      if (tableBox) { tableBox.open = state.table === "open"; }
      if (inview) { inview.checked = state.inview === "1"; }
    }

    var facetLoads = 0;
    function loadFacets() {
      if (!options.endpoints.facets || !form) { return; }
      var load = ++facetLoads;
      fetchJson(withParams(options.endpoints.facets, filterParams(state))).then(function (body) {
        if (load !== facetLoads) { return; }
        var counts = body.counts;
        document.getElementById("atlas-matched").textContent =
          msg("matched", { n: counts.total.matched });
        var byName = { country: "countries", commodity: "commodities", deposit_type: "deposit_types",
          status: "statuses", partner: "partners", partner_any: "partners_any", licensed: "licensed",
          holder_unknown: "holder_unknown", corridor: "corridor" };
        Object.keys(byName).forEach(function (name) {
          var select = form.elements[name];
          var facet = counts[byName[name]] || {};
          if (select.hasAttribute("data-dynamic")) {
            var current = select.value;
            var keep = select.options[0];
            select.replaceChildren(keep);
            Object.keys(facet).sort(function (a, b) { return facet[b] - facet[a]; }).slice(0, 40)
              .forEach(function (value) {
                var opt = el("option", null, value);
                opt.value = value;
                select.appendChild(opt);
              });
            if (current && !facet[current]) {
              var missing = el("option", null, current);
              missing.value = current;
              select.appendChild(missing);
            }
            select.value = current;
          }
          Array.prototype.forEach.call(select.options, function (opt) {
            if (!opt.hasAttribute("data-label")) { opt.setAttribute("data-label", opt.textContent); }
            var label = opt.getAttribute("data-label");
            opt.textContent = opt.value ? label + " (" + (facet[opt.value] || 0) + ")" : label;
            opt.setAttribute("data-count", opt.value ? String(facet[opt.value] || 0) : "");
          });
        });
        form.setAttribute("data-counted", stateQuery(state));
      }).catch(function (err) { statusDiv.textContent = MESSAGES.facetsFailed + err.message; });
    }

    function reload(push) {
      writeUrl(push);
      loadSites();
      loadFacets();
    }

    function setDate(day, push) {
      if (!day || day === asOf()) { return; }
      state.as_of = day === today() ? "" : day;
      applyStateToControls();
      writeUrl(push);
      loadSites();
      loadFacets();
      loadCountries();
      showCoverage(coverageLine, options, asOf());
    }

    if (form) {
      form.addEventListener("change", function (event) {
        var node = event.target;
        if (!node.name) { return; }
        state[node.name] = node.value;
        state.page = "1";
        if (node.hasAttribute("data-view")) { writeUrl(true); recolour(); } else { reload(true); }
      });
      form.addEventListener("submit", function (event) { event.preventDefault(); });
      document.getElementById("atlas-reset").addEventListener("click", function () {
        FILTER_KEYS.forEach(function (key) { state[key] = ""; });
        applyStateToControls();
        reload(true);
      });
    }
    if (slider) {
      var slideTimer = null;
      slider.addEventListener("input", function () {
        dateLabel.textContent = monthDay(Number(slider.value));
        clearTimeout(slideTimer);
        slideTimer = setTimeout(function () { setDate(monthDay(Number(slider.value)), false); }, 250);
      });
      slider.addEventListener("change", function () {
        clearTimeout(slideTimer);
        setDate(monthDay(Number(slider.value)), true);
      });
      dateInput.addEventListener("change", function () { setDate(dateInput.value, true); });
      document.getElementById("atlas-compare").addEventListener("change", updateLinks);
      var play = document.getElementById("atlas-play");
      var playing = null;
      play.addEventListener("click", function () {
        if (playing) {
          clearInterval(playing);
          playing = null;
          play.setAttribute("aria-pressed", "false");
          return;
        }
        play.setAttribute("aria-pressed", "true");
        var index = monthIndex(asOf()) >= Number(slider.max) ? 0 : monthIndex(asOf());
        playing = setInterval(function () {
          index = Math.min(index + 12, Number(slider.max));
          setDate(monthDay(index), false);
          if (index >= Number(slider.max)) { clearInterval(playing); playing = null; play.setAttribute("aria-pressed", "false"); }
        }, 1500);
      });
    }

    /* The table: exactly the sites the filters select (or those of them in the map view), sorted and paged. */
    function tableRows() {
      if (!(inview && inview.checked)) { return features.slice(); }
      var bounds = map.getBounds();
      return features.filter(function (f) {
        return f.geometry && bounds.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
      });
    }
    function visibleColumns() {
      return state.cols ? state.cols.split(",").filter(function (c) { return COLUMNS.indexOf(c) >= 0; })
        : DEFAULT_COLUMNS;
    }
    function renderTable() {
      var table = document.getElementById("atlas-table");
      if (!table || !(tableBox && tableBox.open)) { return; }
      var columns = visibleColumns();
      var rows = tableRows();
      var dir = state.dir === "desc" ? -1 : 1;
      var sortColumn = COLUMNS.indexOf(state.sort) >= 0 ? state.sort : "name";
      rows.sort(function (a, b) {
        var x = sortKey(a.properties, sortColumn, partners);
        var y = sortKey(b.properties, sortColumn, partners);
        return x < y ? -dir : x > y ? dir : 0;
      });
      var pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
      var pageNo = Math.min(Math.max(1, Number(state.page) || 1), pages);
      var head = el("tr");
      columns.forEach(function (column) {
        var th = el("th");
        th.setAttribute("aria-sort", column === sortColumn ? (dir > 0 ? "ascending" : "descending") : "none");
        var button = el("button", "atlas-sort", MESSAGES.columns[column] +
          (column === sortColumn ? (dir > 0 ? " ▲" : " ▼") : ""));
        button.type = "button";
        button.setAttribute("data-column", column);
        button.addEventListener("click", function () {
          state.dir = state.sort === column && state.dir !== "desc" ? "desc" : "asc";
          state.sort = column;
          writeUrl(false);
          renderTable();
        });
        th.appendChild(button);
        head.appendChild(th);
      });
      table.tHead.replaceChildren(head);
      var body = table.tBodies[0];
      body.replaceChildren();
      rows.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE).forEach(function (f) {
        var tr = el("tr");
        tr.tabIndex = 0;
        tr.setAttribute("data-site-id", f.properties.site_id);
        columns.forEach(function (column) { tr.appendChild(el("td", null, cellValue(f.properties, column, partners))); });
        tr.addEventListener("click", function () { showSite(f); });
        tr.addEventListener("keydown", function (event) { if (event.key === "Enter") { showSite(f); } });
        body.appendChild(tr);
      });
      table.setAttribute("data-rows", String(rows.length));
      var pager = document.getElementById("atlas-pager");
      pager.replaceChildren();
      [[MESSAGES.previous, pageNo - 1], [MESSAGES.next, pageNo + 1]].forEach(function (entry, i) {
        var button = el("button", null, entry[0]);
        button.type = "button";
        button.disabled = entry[1] < 1 || entry[1] > pages;
        button.addEventListener("click", function () { state.page = String(entry[1]); writeUrl(false); renderTable(); });
        pager.appendChild(button);
        if (i === 0) {
          pager.appendChild(el("span", null, msg("page", { p: pageNo, n: pages, rows: rows.length })));
        }
      });
      updateLinks();
    }
    function renderColumnChoice() {
      var box = document.getElementById("atlas-column-choice");
      if (!box) { return; }
      box.replaceChildren();
      COLUMNS.forEach(function (column) {
        var label = el("label");
        var check = el("input");
        check.type = "checkbox";
        check.value = column;
        check.checked = visibleColumns().indexOf(column) >= 0;
        check.addEventListener("change", function () {
          var chosen = Array.prototype.filter.call(box.querySelectorAll("input"), function (c) { return c.checked; })
            .map(function (c) { return c.value; });
          state.cols = chosen.join(",") === DEFAULT_COLUMNS.join(",") ? "" : chosen.join(",");
          writeUrl(false);
          renderTable();
        });
        label.appendChild(check);
        label.appendChild(document.createTextNode(" " + MESSAGES.columns[column]));
        box.appendChild(label);
      });
    }
    if (tableBox) {
      tableBox.addEventListener("toggle", function () {
        state.table = tableBox.open ? "open" : "";
        writeUrl(false);
        loadTableSites();
      });
      inview.addEventListener("change", function () {
        state.inview = inview.checked ? "1" : "";
        state.page = "1";
        writeUrl(false);
        renderTable();
      });
    }
    map.on("moveend", function () {
      var c = map.getCenter();
      state.at = [c.lat.toFixed(4), c.lng.toFixed(4), map.getZoom()].join(",");
      writeUrl(false);
      if (inview && inview.checked) { renderTable(); }
    });

    /* Open a site: its marker's popup (the marker carries the view's as_of), zoomed to its precision. */
    function showSite(feature) {
      var p = feature.properties;
      var marker = markers[p.site_id];
      var props = marker ? marker.feature.properties : p;
      if (!feature.geometry && !marker) { window.location.href = siteUrl(p); return; }
      var latlng = marker ? marker.getLatLng() : L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
      zoomToSite(map, latlng, props.location_precision_km);
      map.openPopup(popupFor(props), latlng);
    }

    searchPanel({
        endpoint: options.endpoints.search, asOf: asOf,
        onSite: showSite,
        onCommodity: function (value) { state.commodity = value; state.page = "1"; applyStateToControls(); reload(true); },
        onCountry: function (code) { state.country = code; state.page = "1"; applyStateToControls(); reload(true); },
        onLink: function (url) { window.location.href = url; }
    });

    window.addEventListener("popstate", function () {
      var before = asOf();
      state = stateFromUrl();
      applyStateToControls();
      updateLinks();
      loadSites();
      loadFacets();
      if (asOf() !== before) { loadCountries(); showCoverage(coverageLine, options, asOf()); }
      recolour();
    });

    if (state.at) {
      var at = state.at.split(",").map(Number);
      if (at.length === 3 && at.every(isFinite)) { map.setView([at[0], at[1]], at[2], { animate: false }); }
    }
    window.AtlasMap.current = { map: map, cluster: cluster, view: view, state: function () { return state; },
      markers: function () { return markers; } };
    applyStateToControls();
    renderColumnChoice();
    updateLinks();
    loadCountries();
    loadSites();
    facetsAfterSites = true;  // the first facet counts wait for the first sites: the map comes first
    cluster.addTo(map);

    var bases = {};
    if (tiles) { bases[MESSAGES.baseMap] = tiles; }
    var overlays = {};
    overlays[MESSAGES.outlines] = outlines;
    overlays[MESSAGES.sites] = cluster;
    overlays[MESSAGES.choropleth] = choropleth;
    if (options.endpoints.corridorSegments) {
      var transport = transportLayers(map, options, statusDiv);
      Object.assign(overlays, transport);
      window.AtlasMap.current.transport = transport;
    }
    if (basemap) { basemap.attach(overlays, view); }
    L.control.layers(bases, overlays, { collapsed: true }).addTo(map);
    fillLegendFor();
    showCoverage(coverageLine, options, asOf());
  }

  window.AtlasMap = { init: init, popupContent: popupContent, pieIcon: pieIcon, messages: MESSAGES };
})();
