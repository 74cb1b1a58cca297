// Portal's browser side: the sign-in form (the REST endpoint sets the cookie), theme memory, sign-out, and the
// live chart (uPlot) that Blazor feeds over the circuit.
window.portal = (() => {
  const themeKey = "portal.theme";

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "sign-in-form") return;
    event.preventDefault();
    const error = document.getElementById("sign-in-error");
    const button = document.getElementById("sign-in");
    error.hidden = true;
    button.disabled = true;
    try {
      const response = await fetch("/api/v1/auth/sign-in", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ userName: form.userName.value, password: form.password.value }),
      });
      if (response.ok) {
        window.location.assign(form.dataset.returnUrl || "/");
        return;
      }
      let message = `Sign-in failed (HTTP ${response.status}).`;
      try {
        const problem = await response.json();
        message = problem.detail || problem.title || message;
      } catch { /* not problem details */ }
      error.textContent = message;
      error.hidden = false;
    } catch (e) {
      error.textContent = `The portal cannot be reached: ${e.message}`;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });

  async function signOut() {
    await fetch("/api/v1/auth/sign-out", { method: "POST", credentials: "same-origin" });
    window.location.assign("/sign-in");
  }

  const theme = {
    get: () => localStorage.getItem(themeKey),
    set: (value) => localStorage.setItem(themeKey, value),
  };

  // Live charts: Blazor keeps the points and sends each batch of new ones; uPlot draws at most once per frame.
  const charts = new Map();
  const palette = ["#3f51b5", "#e91e63", "#009688", "#ff9800", "#9c27b0", "#03a9f4", "#8bc34a", "#795548", "#607d8b", "#f44336"];

  function chartOptions(element, names, options) {
    const axis = { stroke: "#888", grid: { stroke: "rgba(128,128,128,0.18)" }, ticks: { stroke: "rgba(128,128,128,0.3)" } };
    return {
      width: Math.max(200, element.clientWidth),
      height: options.height || 260,
      scales: { x: { time: false }, y: { distr: options.logY ? 3 : 1 } },
      axes: [{ ...axis, label: options.xLabel || "" }, { ...axis, label: options.yLabel || "", size: 64, values: (u, splits) => splits.map(tick) }],
      series: [{ label: options.xLabel || "x" }, ...names.map((name, i) => ({
        label: name, stroke: palette[i % palette.length], width: 1.5, spanGaps: true, points: { show: false },
        ...((options.dashed || []).includes(name) ? { dash: [6, 4] } : {}),
      }))],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
  }

  // Small values (learning rates) keep their significant digits instead of rounding to 0.
  function tick(v) {
    if (v == null) return "";
    if (v !== 0 && Math.abs(v) < 0.01) return v.toExponential(1);
    return String(+v.toPrecision(4));
  }

  // Live timing, on request only (a page opened with ?live-timing, as scripts/bench/live.sh does): each live point
  // carries its event's sequence number and the time its source made it (Unix ms, same clock as this browser's on
  // one machine); once uPlot has drawn the frame that includes the point, its age then is kept per chart in
  // window.portalLiveTiming[chart title] = { sequence: [], x: [], latencyMs: [], receivedMs: [] } (receivedMs: its
  // age when this page got it from the circuit, so the rest is the wait for a frame and the draw). Without the flag
  // nothing is kept.
  const now = () => performance.timeOrigin + performance.now();

  function timingFor(element) {
    if (!new URLSearchParams(location.search).has("live-timing")) return null;
    const all = (window.portalLiveTiming ??= {});
    return (all[element.dataset.chart || element.id] ??= { sequence: [], x: [], latencyMs: [], receivedMs: [] });
  }

  function queueTimed(chart, xs, origins, into) {
    if (!chart.timing || !origins) return;
    const received = now();
    for (let i = 0; i < xs.length; i++) {
      if (origins.sequence[i] > 0) into.push([origins.sequence[i], xs[i], origins.madeAt[i], received]);
    }
  }

  function recordDrawn(chart) {
    if (!chart.timing || chart.drawing.length === 0) return;
    const drawn = now();
    for (const [sequence, x, madeAt, received] of chart.drawing) {
      chart.timing.sequence.push(sequence);
      chart.timing.x.push(x);
      chart.timing.latencyMs.push(drawn - madeAt);
      chart.timing.receivedMs.push(received - madeAt);
    }
    chart.drawing = [];
  }

  function render(id, names, xs, ys, options, origins) {
    const element = document.getElementById(id);
    if (!element) return;
    destroy(id);
    const data = [Float64Array.from(xs), ...ys.map(y => y.map(v => v ?? null))];
    const chart = { plot: null, data: [Array.from(data[0]), ...data.slice(1)], pending: false, element, timing: timingFor(element), waiting: [], drawing: [] };
    queueTimed(chart, xs, origins, chart.drawing);
    const settings = chartOptions(element, names, options || {});
    settings.hooks = { draw: [() => recordDrawn(chart)] };
    chart.plot = new uPlot(settings, chart.data, element);
    chart.resize = new ResizeObserver(() => chart.plot.setSize({ width: Math.max(200, element.clientWidth), height: (options || {}).height || 260 }));
    chart.resize.observe(element);
    element.dataset.points = String(xs.length);
    charts.set(id, chart);
  }

  function append(id, xs, ys, origins) {
    const chart = charts.get(id);
    if (!chart) return;
    for (let i = 0; i < xs.length; i++) chart.data[0].push(xs[i]);
    for (let s = 0; s < ys.length; s++) for (const v of ys[s]) chart.data[s + 1].push(v ?? null);
    chart.element.dataset.points = String(chart.data[0].length);
    queueTimed(chart, xs, origins, chart.waiting);
    if (chart.pending) return;
    chart.pending = true;
    requestAnimationFrame(frame => draw(chart, frame));
  }

  // A chart redraws at most every other frame (30 per second): a fast run sends a step every few milliseconds, and
  // redrawing every chart of every open page at 60 frames a second costs more than the curve gains from it.
  const minDrawGapMs = 1000 / 30 - 2;

  function draw(chart, frame) {
    if (!charts.has(chart.element.id)) return;
    if (frame - (chart.drawnAt ?? -Infinity) < minDrawGapMs) {
      requestAnimationFrame(next => draw(chart, next));
      return;
    }
    chart.drawnAt = frame;
    chart.pending = false;
    // Only the points in this setData count as drawn by the draw that follows (a resize may draw in between).
    if (chart.waiting.length > 0) {
      for (const point of chart.waiting) chart.drawing.push(point);
      chart.waiting = [];
    }
    chart.plot.setData(chart.data);
  }

  function destroy(id) {
    const chart = charts.get(id);
    if (!chart) return;
    chart.resize.disconnect();
    chart.plot.destroy();
    charts.delete(id);
  }

  // Dataset thumbnails: grey levels (base64 from Blazor) drawn on small canvases.
  function drawGrey(canvasId, width, height, base64) {
    const canvas = document.getElementById(canvasId);
    if (!canvas) return;
    const grey = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const image = context.createImageData(width, height);
    for (let i = 0; i < grey.length; i++) {
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = grey[i];
      image.data[4 * i + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }

  return { signOut, theme, charts: { render, append, destroy }, drawGrey };
})();
