// The addition-RNN demo page: generates the sums, trains the encoder-decoder LSTM with fit on the page's
// main thread (fit yields after every batch, so the page keeps answering), charts the loss and per-character
// accuracy per batch and the held-out accuracy per epoch, and answers typed sums with the current weights.
//
// The query string can shrink the run (?sums=4000&epochs=2&units=32, what the browser test uses).
// window.demoState reports progress for tests: {phase: 'loading' | 'ready' | 'training' | 'trained' |
// 'error', ...}; while training {epoch, batch}; once trained {charAccuracy, exactAccuracy, epochs, seconds};
// after a question, {answer: {question, text, chars: [{char, p}]}}.
import * as km from '../../web/index.js';
import {TrainingChart} from '../mnist-mlp/chart.mjs';
import {ANSWER_LENGTH, CHARS, QUESTION_LENGTH, accuracy, decodeAnswer, encodeAnswers, encodeQuestions, makeSums,
        parseQuestion} from './data.mjs';

const params = new URLSearchParams(location.search);
const SUMS = Number(params.get('sums') ?? 50000);
const EPOCHS = Number(params.get('epochs') ?? 30);
const UNITS = Number(params.get('units') ?? 128);
const BATCH_SIZE = Number(params.get('batch') ?? 64);
const HELD_OUT = Math.max(100, Math.round(SUMS / 10));

const $ = (id) => document.getElementById(id);
const percent = (v) => `${(100 * v).toFixed(1)}%`;
let state = {phase: 'loading'};
function setState(next) {
  state = {...state, ...next};
  window.demoState = state;
}

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

function createModel() {
  const model = km.sequential({layers: [
    km.layers.lstm({units: UNITS, inputShape: [QUESTION_LENGTH, CHARS.length]}),
    km.layers.repeatVector({n: ANSWER_LENGTH}),
    km.layers.lstm({units: UNITS, returnSequences: true}),
    // A Dense layer on [batch, steps, units] acts on every step, as TimeDistributed(Dense) does.
    km.layers.dense({units: CHARS.length, activation: 'softmax'}),
  ]});
  model.compile({optimizer: km.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  return model;
}

let data = null;
let model = null;
const chart = new TrainingChart($('chart'), EPOCHS);

function footer() {
  const info = km.backendInfo();
  const mem = km.memory();
  $('footer').textContent = `kerasm ${km.version} · WebAssembly SIMD, ${info.threads} thread · ` +
    `heap ${(mem.wasmHeapBytes / 2 ** 20).toFixed(0)} MB · ${mem.numTensors} live tensors`;
}

function ask() {
  let q;
  try {
    q = parseQuestion($('question').value);
  } catch (e) {
    $('answer').textContent = '?';
    $('answer-caption').textContent = e.message;
    $('confidence').replaceChildren();
    return;
  }
  const probs = km.tidy(() => model.predict(km.tensor(encodeQuestions([q.question]), [1, QUESTION_LENGTH, CHARS.length])).dataSync());
  const answer = decodeAnswer(probs);
  $('answer').textContent = answer.text || '(blank)';
  $('answer-caption').textContent = answer.text === q.answer ? `right: ${q.question} = ${q.answer}` : `the answer is ${q.answer}`;
  $('confidence').replaceChildren(...answer.chars.map(({char, p}) => {
    const cell = document.createElement('div');
    cell.className = 'char';
    cell.innerHTML = `<div>${char === ' ' ? '␣' : char}</div><div class="meter"><div style="width:${(100 * p).toFixed(0)}%"></div></div>` +
                     `<div class="p">${percent(p)}</div>`;
    return cell;
  }));
  setState({answer: {question: q.question, ...answer}});
}

function showExamples() {
  const sample = data.heldOut.slice(0, 10);
  const probs = km.tidy(() => model.predict(km.tensor(encodeQuestions(sample.map((s) => s.question)),
                                                      [sample.length, QUESTION_LENGTH, CHARS.length])).dataSync());
  $('examples').replaceChildren(...sample.map((s, i) => {
    const li = document.createElement('li');
    const got = decodeAnswer(probs, i).text;
    li.className = got === s.answer ? 'right' : 'wrong';
    li.textContent = `${s.question} = ${got}${got === s.answer ? '' : ` (${s.answer})`}`;
    return li;
  }));
}

async function load() {
  await km.ready();
  const sums = makeSums(SUMS, 2024);
  const train = sums.slice(HELD_OUT), heldOut = sums.slice(0, HELD_OUT);
  const tensors = (list) => [km.tensor(encodeQuestions(list.map((s) => s.question)), [list.length, QUESTION_LENGTH, CHARS.length]),
                             km.tensor(encodeAnswers(list.map((s) => s.answer)), [list.length, ANSWER_LENGTH, CHARS.length])];
  const [trainX, trainY] = tensors(train);
  const [heldX, heldY] = tensors(heldOut);
  data = {trainX, trainY, heldX, heldY, heldOut};
  $('settings').textContent = `${train.length.toLocaleString('en')} training sums, ${heldOut.length.toLocaleString('en')} held out · ` +
    `LSTM ${UNITS} → repeat ×${ANSWER_LENGTH} → LSTM ${UNITS} → softmax over ${CHARS.length} characters · ` +
    `${EPOCHS} epochs · batch ${BATCH_SIZE} · Adam 0.001`;
  model = createModel();
  footer();
  $('train').disabled = false;
  $('ask').disabled = false;
  status('Ready. Press Train.');
  setState({phase: 'ready'});
}

async function train() {
  $('train').disabled = true;
  $('stop').disabled = false;
  $('result').hidden = true;
  chart.reset();
  if (state.phase === 'trained') {
    model.optimizer.dispose();
    model.dispose();
    model = createModel();
  }
  const batches = Math.ceil(data.trainX.shape[0] / BATCH_SIZE);
  let epoch = 0;
  const start = performance.now();
  setState({phase: 'training', epoch: 0, batch: 0});
  status('Training…');
  const history = await model.fit(data.trainX, data.trainY, {
    epochs: EPOCHS, batchSize: BATCH_SIZE, shuffle: true, validationData: [data.heldX, data.heldY], verbose: 0,
    callbacks: {
      onEpochBegin: (e) => { epoch = e; },
      onBatchEnd: (batch, logs) => {
        $('epoch-fill').style.width = `${(100 * (epoch + (batch + 1) / batches)) / EPOCHS}%`;
        $('batch-fill').style.width = `${(100 * (batch + 1)) / batches}%`;
        $('batch-text').textContent = `${batch + 1} / ${batches}`;
        chart.addBatch(epoch + (batch + 1) / batches, logs.loss, logs.acc);
        setState({epoch: epoch + 1, batch: batch + 1});
      },
      onEpochEnd: (e, logs) => {
        $('epoch-text').textContent = `${e + 1} / ${EPOCHS}`;
        chart.addTest(e + 1, logs.val_acc);
        status(`Epoch ${e + 1}: loss ${logs.loss.toFixed(3)}, held-out characters right ${percent(logs.val_acc)}`);
        showExamples();
        footer();
      },
    },
  });
  const seconds = (performance.now() - start) / 1000;
  const probs = km.tidy(() => model.predict(data.heldX).dataSync());
  const {perCharacter, exact} = accuracy(probs, data.heldOut.map((s) => s.answer));
  $('char-accuracy').textContent = percent(perCharacter);
  $('exact-accuracy').textContent = percent(exact);
  $('train-seconds').textContent = `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  $('result').hidden = false;
  $('train').disabled = false;
  $('train').textContent = 'Train again';
  $('stop').disabled = true;
  status(`Trained ${history.epoch.length} epochs in ${seconds.toFixed(seconds < 10 ? 1 : 0)} s.`);
  showExamples();
  ask();
  footer();
  setState({phase: 'trained', charAccuracy: perCharacter, exactAccuracy: exact, epochs: history.epoch.length, seconds});
}

$('train').addEventListener('click', () => train().catch(fail));
$('stop').addEventListener('click', () => { if (model) model.stopTraining = true; });
$('ask-form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (model) ask();
});

function fail(e) {
  status(`Error: ${e.message}`, true);
  setState({phase: 'error', error: String(e.stack || e)});
}

load().catch(fail);
