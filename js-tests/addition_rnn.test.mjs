// End to end: Keras' "addition RNN" example trained with fit in Node. Questions "535+61" padded to 7
// characters and reversed, answers "596" padded to 4, one-hot over "0123456789+ " (the demo's encoding,
// demos/addition-rnn/data.mjs); an LSTM encoder, RepeatVector, an LSTM decoder returning sequences and
// TimeDistributed(Dense(softmax)). Training stops once the per-character accuracy on a validation set
// reaches the target (or at the epoch cap); the assertion is on a separate held-out set of sums the network
// never saw in either. Sized to stay well inside three minutes on one core (the numbers are printed).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {ANSWER_LENGTH, CHARS, QUESTION_LENGTH, accuracy, encodeAnswers, encodeQuestions, makeSums} from '../demos/addition-rnn/data.mjs';
import {km} from './support.mjs';

const UNITS = 128;
const TRAIN = 20000, VALIDATION = 1000, HELD_OUT = 2000;
const BATCH = 32;
// Adam at 0.003 rather than Keras' 0.001: the same network, fewer epochs for a 20k-sum training set.
const LEARNING_RATE = 0.003;
const MAX_EPOCHS = 25;
const TARGET = 0.98;

function encode(sums) {
  return {
    x: km.tensor(encodeQuestions(sums.map((s) => s.question)), [sums.length, QUESTION_LENGTH, CHARS.length]),
    y: km.tensor(encodeAnswers(sums.map((s) => s.answer)), [sums.length, ANSWER_LENGTH, CHARS.length]),
    answers: sums.map((s) => s.answer),
  };
}

function evaluate(model, set) {
  return km.tidy(() => accuracy(model.predict(set.x, {batchSize: 256}).dataSync(), set.answers));
}

test('the addition RNN learns 3-digit sums: held-out per-character accuracy >= 0.98', async () => {
  // makeSums draws unique pairs, so the three sets share no sum.
  const sums = makeSums(TRAIN + VALIDATION + HELD_OUT, 2024);
  const train = encode(sums.slice(0, TRAIN));
  const validation = encode(sums.slice(TRAIN, TRAIN + VALIDATION));
  const heldOut = encode(sums.slice(TRAIN + VALIDATION));

  const model = km.sequential({layers: [
    km.layers.lstm({units: UNITS, inputShape: [QUESTION_LENGTH, CHARS.length]}),
    km.layers.repeatVector({n: ANSWER_LENGTH}),
    km.layers.lstm({units: UNITS, returnSequences: true}),
    km.layers.timeDistributed({layer: km.layers.dense({units: CHARS.length, activation: 'softmax'})}),
  ]});
  model.compile({optimizer: km.train.adam(LEARNING_RATE), loss: 'categoricalCrossentropy'});

  const start = performance.now();
  let epochs = 0;
  let reached = 0;
  while (epochs < MAX_EPOCHS) {
    const history = await model.fit(train.x, train.y, {epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0});
    epochs += 1;
    reached = evaluate(model, validation).perCharacter;
    console.log(`epoch ${epochs}: loss ${history.history.loss[0].toFixed(4)}, validation per-character ${reached.toFixed(4)}`);
    if (reached >= TARGET) break;
  }
  const seconds = (performance.now() - start) / 1000;
  const held = evaluate(model, heldOut);
  console.log(`addition RNN: ${UNITS} units, ${TRAIN} sums, ${epochs} epochs in ${seconds.toFixed(1)} s; held-out ` +
              `per-character ${held.perCharacter.toFixed(4)}, exact answers ${held.exact.toFixed(4)}`);
  assert.ok(held.perCharacter >= TARGET, `held-out per-character accuracy ${held.perCharacter} after ${epochs} epochs`);

  km.dispose([train.x, train.y, validation.x, validation.y, heldOut.x, heldOut.y]);
  model.dispose();
});
