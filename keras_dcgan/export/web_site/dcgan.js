// Samples a keras-dcgan generator in the browser with LiteRT.js.
//
// model.json (written by keras_dcgan.export.export_web) describes the
// generator: latent size, image shape, classes and how its uint8 output maps
// to colours. Everything else on the page follows from it.
//
// The page API, for scripts and tests (all methods return promises):
//   window.dcgan.ready              true once the first grid is drawn
//   window.dcgan.error              the error message if loading failed
//   window.dcgan.model              the parsed model.json
//   window.dcgan.setLatents(latents, labels)
//       draws the grid from given latents: an array of latent_dim-long
//       arrays (labels: one class per latent, for a conditional model)
//   window.dcgan.pixels()           the grid's images as drawn: one RGBA
//       array (height * width * 4 values in [0, 255]) per image
//   window.dcgan.generate(latents, labels)  the raw uint8 model output
//   window.dcgan.latents(seed, count)       the page's Gaussian latents
//   window.dcgan.showSeed(seed)     draws the grid of a seed

import { Tensor, loadAndCompile, loadLiteRt } from "@litertjs/core";

const COLUMNS = 8;
const ROWS = 4;
const MAX_CLASS_ROWS = 10; // "one row per class" shows this many at most
const GAP = 2; // pixels between images, in the page's background colour
const WALK_FRAMES = 8;

const api = { ready: false, error: null, model: null };
window.dcgan = api;

const $ = (id) => document.getElementById(id);

// mulberry32: a small, fast 32-bit PRNG; the same seed gives the same
// numbers in every browser.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Standard normal latents from a seed (Box-Muller on mulberry32).
function gaussianLatents(seed, count, size) {
  const uniform = mulberry32(seed);
  const values = new Float32Array(count * size);
  for (let i = 0; i < values.length; i += 2) {
    const u = 1 - uniform(); // (0, 1]: log(0) is -infinity
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    values[i] = radius * Math.cos(2 * Math.PI * v);
    if (i + 1 < values.length) {
      values[i + 1] = radius * Math.sin(2 * Math.PI * v);
    }
  }
  const latents = [];
  for (let i = 0; i < count; i++) {
    latents.push(values.subarray(i * size, (i + 1) * size));
  }
  return latents;
}

// Spherical interpolation (keras_dcgan.sampling.slerp): intermediate latents
// keep the typical norm of the prior.
function slerp(start, end, t) {
  const norm = (x) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
  const ns = norm(start);
  const ne = norm(end);
  let cos = 0;
  for (let i = 0; i < start.length; i++) cos += (start[i] / ns) * (end[i] / ne);
  const omega = Math.acos(Math.min(1, Math.max(-1, cos)));
  const sin = Math.sin(omega);
  const out = new Float32Array(start.length);
  for (let i = 0; i < start.length; i++) {
    out[i] =
      Math.abs(sin) < 1e-6
        ? (1 - t) * start[i] + t * end[i]
        : (Math.sin((1 - t) * omega) / sin) * start[i] +
          (Math.sin(t * omega) / sin) * end[i];
  }
  return out;
}

function randomSeed() {
  return Math.floor(Math.random() * 1e9);
}

function seedFromUrl() {
  const value = new URLSearchParams(location.search).get("seed");
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

class Sampler {
  constructor(model, meta) {
    this.model = model;
    this.meta = meta;
    [this.height, this.width, this.channels] = meta.image_shape;
    this.imageSize = this.height * this.width * this.channels;
    this.batch = meta.batch_size; // LiteRT.js needs static shapes
  }

  // The model's uint8 images for `latents` (arrays of latent_dim numbers),
  // one Uint8Array of height * width * channels values per image.
  async generate(latents, labels) {
    const { latent_dim: latentDim, num_classes: numClasses } = this.meta;
    if (numClasses && (!labels || labels.length !== latents.length)) {
      throw new Error(
        `This model is class-conditional: pass one label per latent ` +
          `(${latents.length}).`,
      );
    }
    const images = [];
    const rows = this.batch;
    for (let start = 0; start < latents.length; start += rows) {
      const count = Math.min(rows, latents.length - start); // the rest: 0
      const flat = new Float32Array(rows * latentDim);
      const classes = new Int32Array(rows);
      for (let i = 0; i < count; i++) {
        const latent = latents[start + i];
        if (latent.length !== latentDim) {
          throw new Error(
            `Latent ${start + i} has ${latent.length} values; the model ` +
              `takes ${latentDim}.`,
          );
        }
        flat.set(latent, i * latentDim);
        if (numClasses) classes[i] = labels[start + i];
      }
      const inputs = { latents: new Tensor(flat, [rows, latentDim]) };
      if (numClasses) inputs.labels = new Tensor(classes, [rows]);
      const outputs = await this.model.run(inputs);
      for (const tensor of Object.values(inputs)) tensor.delete();
      const tensor = outputs.images;
      const data = (await tensor.data()).slice(0, count * this.imageSize);
      for (const output of Object.values(outputs)) output.delete();
      for (let i = 0; i < count; i++) {
        images.push(data.subarray(i * this.imageSize, (i + 1) * this.imageSize));
      }
    }
    return images;
  }

  // A uint8 model image as canvas ImageData (grey or RGB, opaque).
  toImageData(image) {
    const rgba = new ImageData(this.width, this.height);
    const c = this.channels;
    for (let p = 0; p < this.width * this.height; p++) {
      const r = image[p * c];
      rgba.data[p * 4] = r;
      rgba.data[p * 4 + 1] = c === 1 ? r : image[p * c + 1];
      rgba.data[p * 4 + 2] = c === 1 ? r : image[p * c + 2];
      rgba.data[p * 4 + 3] = 255;
    }
    return rgba;
  }
}

// Draws images side by side, `columns` per row, `gap` pixels apart.
function drawTiles(canvas, sampler, images, columns, gap) {
  const rows = Math.ceil(images.length / columns);
  const { width, height } = sampler;
  canvas.width = columns * (width + gap) - gap;
  canvas.height = rows * (height + gap) - gap;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.fillStyle = getComputedStyle(canvas.closest("section")).backgroundColor;
  context.fillRect(0, 0, canvas.width, canvas.height);
  const places = images.map((image, i) => {
    const x = (i % columns) * (width + gap);
    const y = Math.floor(i / columns) * (height + gap);
    context.putImageData(sampler.toImageData(image), x, y);
    return [x, y];
  });
  return places;
}

// The WebAssembly runtime writes its own log (INFO and WARNING lines too) to
// stderr, which Emscripten maps to console.error; give each line the console
// level of its severity, so that console errors are real errors. The loader
// passes a global `Module` object to the Emscripten module factory.
function routeRuntimeLog() {
  self.Module = {
    printErr(text) {
      if (/^(INFO|VERBOSE|DEBUG):/.test(text)) console.debug(text);
      else if (/^WARNING:/.test(text)) console.warn(text);
      else console.error(text);
    },
  };
}

async function main() {
  const script = document.querySelector("script[data-litert-wasm]");
  const response = await fetch("model.json");
  if (!response.ok) {
    throw new Error(`model.json: ${response.status} ${response.statusText}`);
  }
  const meta = await response.json();
  api.model = meta;
  routeRuntimeLog();
  await loadLiteRt(new URL(script.dataset.litertWasm, location.href).href);
  const model = await loadAndCompile(
    new URL(meta.model, location.href).href,
    { accelerator: "wasm" },
  );
  const sampler = new Sampler(model, meta);
  const numClasses = meta.num_classes;
  const names = meta.class_names;

  $("model-file").textContent = meta.model;
  const kind = numClasses
    ? `a class-conditional generator (${numClasses} classes)`
    : "a generator";
  $("summary").textContent =
    `${meta.image_shape[0]}\u00d7${meta.image_shape[1]} ` +
    `${meta.channels === 1 ? "greyscale" : "colour"} images from ${kind}, ` +
    `each from ${meta.latent_dim} numbers drawn from N(0, 1) with the seed.`;

  const picker = $("class-picker");
  if (numClasses) {
    $("class-control").hidden = false;
    picker.add(new Option("one row per class", "rows"));
    for (let k = 0; k < numClasses; k++) picker.add(new Option(names[k], k));
  }
  const byRows = () => numClasses && picker.value === "rows";
  const gridSize = () =>
    COLUMNS * (byRows() ? Math.min(numClasses, MAX_CLASS_ROWS) : ROWS);
  // The grid's classes: one row per class, or all of the picked class.
  const gridLabels = (count) => {
    if (!numClasses) return null;
    const value = picker.value;
    return Array.from({ length: count }, (_, i) =>
      byRows() ? Math.floor(i / COLUMNS) % numClasses : Number(value),
    );
  };

  let places = [];
  const grid = $("grid");
  const drawGrid = async (latents, labels) => {
    const images = await sampler.generate(latents, labels);
    places = drawTiles(grid, sampler, images, COLUMNS, GAP);
  };

  // The latent walk between the first two latents of a seed's walk draw.
  let walk = null;
  const strip = $("strip");
  const frame = $("walk-frame");
  frame.width = sampler.width;
  frame.height = sampler.height;
  frame.style.width = `${Math.max(112, sampler.width * 2)}px`;
  frame.style.height = `${Math.max(112, sampler.height * 2)}px`;
  const drawWalkFrame = async () => {
    const t = Number($("walk-slider").value) / 1000;
    const latent = slerp(walk.start, walk.end, t);
    const [image] = await sampler.generate([latent], walk.label);
    frame.getContext("2d").putImageData(sampler.toImageData(image), 0, 0);
  };
  const drawWalk = async (seed) => {
    const [start, end] = gaussianLatents(seed + 1, 2, meta.latent_dim);
    const label = numClasses ? [gridLabels(1)[0]] : null;
    walk = { start, end, label };
    const latents = Array.from({ length: WALK_FRAMES }, (_, i) =>
      slerp(start, end, i / (WALK_FRAMES - 1)),
    );
    const images = await sampler.generate(
      latents,
      label && latents.map(() => label[0]),
    );
    drawTiles(strip, sampler, images, WALK_FRAMES, GAP);
    await drawWalkFrame();
  };

  let seed = seedFromUrl() ?? randomSeed();
  const showSeed = async (value) => {
    seed = value;
    const url = new URL(location.href);
    url.searchParams.set("seed", String(seed));
    history.replaceState(null, "", url);
    $("seed").textContent = String(seed);
    $("permalink").href = url.href;
    const latents = gaussianLatents(seed, gridSize(), meta.latent_dim);
    await drawGrid(latents, gridLabels(latents.length));
    await drawWalk(seed);
  };

  // One redraw at a time: a click during a redraw waits for it.
  let busy = Promise.resolve();
  const serial = (task) => {
    busy = busy.then(task, task);
    return busy;
  };

  $("new-samples").addEventListener("click", () =>
    serial(() => showSeed(randomSeed())).catch(fail),
  );
  picker.addEventListener("change", () =>
    serial(() => showSeed(seed)).catch(fail),
  );
  $("walk-slider").addEventListener("input", () =>
    serial(drawWalkFrame).catch(fail),
  );

  Object.assign(api, {
    generate: (latents, labels) =>
      serial(() => sampler.generate(latents, labels)).then((images) =>
        images.map((image) => Array.from(image)),
      ),
    latents: (value, count) =>
      gaussianLatents(value, count, meta.latent_dim).map((x) => Array.from(x)),
    showSeed: (value) => serial(() => showSeed(value)),
    setLatents: (latents, labels) =>
      serial(() => drawGrid(latents, labels ?? gridLabels(latents.length))),
    pixels: () =>
      serial(async () => {
        const context = grid.getContext("2d", { willReadFrequently: true });
        return places.map(([x, y]) =>
          Array.from(
            context.getImageData(x, y, sampler.width, sampler.height).data,
          ),
        );
      }),
  });

  await serial(() => showSeed(seed));
  $("new-samples").disabled = false;
  $("walk-slider").disabled = false;
  api.ready = true;
  document.body.dataset.ready = "true";
}

function fail(error) {
  api.error = String(error && error.message ? error.message : error);
  const box = $("error");
  box.hidden = false;
  box.textContent = `Could not run the generator: ${api.error}`;
  if (location.protocol === "file:") {
    box.textContent +=
      "\nBrowsers do not load models from file:// pages; serve this " +
      "folder over HTTP, e.g. `python -m http.server` in it.";
  }
  console.error(error);
}

main().catch(fail);
