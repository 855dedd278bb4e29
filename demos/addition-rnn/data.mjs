// Sums for the addition RNN, as Keras' "addition RNN" example makes them: a question "535+61" padded with
// spaces to 7 characters (and reversed, which shortens the path from the digits to the answer's first
// ones), an answer "596" padded to 4; each character one-hot over "0123456789+ ". Pairs are unique
// (a + b and b + a count once), so held-out sums are sums the network never saw.
import {seededRandom} from '../../web/seeded.js';

export const CHARS = '0123456789+ ';
export const DIGITS = 3;
export const QUESTION_LENGTH = 2 * DIGITS + 1;
export const ANSWER_LENGTH = DIGITS + 1;

// `count` unique sums of numbers with 1 to DIGITS digits: [{a, b, question, answer}].
export function makeSums(count, seed) {
  const random = seededRandom(seed);
  const number = () => {
    const digits = 1 + Math.floor(random() * DIGITS);
    return Math.floor(random() * 10 ** digits);
  };
  const seen = new Set();
  const sums = [];
  // There are about 500,000 unordered pairs: asking for more than that would never end.
  if (count > 400000) throw new Error(`makeSums: at most 400000 unique sums, asked for ${count}`);
  while (sums.length < count) {
    const a = number(), b = number();
    const key = a < b ? `${a}+${b}` : `${b}+${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sums.push({a, b, question: `${a}+${b}`, answer: String(a + b)});
  }
  return sums;
}

// The network's view of a question: padded, reversed.
export function questionText(question) {
  return question.padEnd(QUESTION_LENGTH, ' ').split('').reverse().join('');
}

// One-hot rows [n, length, CHARS.length] of strings already `length` long.
export function oneHotStrings(strings, length) {
  const out = new Float32Array(strings.length * length * CHARS.length);
  strings.forEach((s, i) => {
    for (let t = 0; t < length; ++t) {
      const c = CHARS.indexOf(s[t]);
      if (c < 0) throw new Error(`'${s}': the character '${s[t]}' is not one of "${CHARS}"`);
      out[(i * length + t) * CHARS.length + c] = 1;
    }
  });
  return out;
}

export function encodeQuestions(questions) {
  return oneHotStrings(questions.map(questionText), QUESTION_LENGTH);
}

export function encodeAnswers(answers) {
  return oneHotStrings(answers.map((a) => a.padEnd(ANSWER_LENGTH, ' ')), ANSWER_LENGTH);
}

// The most likely character at each answer position, with its probability: {text, chars: [{char, p}]}.
export function decodeAnswer(probabilities, row = 0) {
  const chars = [];
  for (let t = 0; t < ANSWER_LENGTH; ++t) {
    const base = (row * ANSWER_LENGTH + t) * CHARS.length;
    let best = 0;
    for (let c = 1; c < CHARS.length; ++c) if (probabilities[base + c] > probabilities[base + best]) best = c;
    chars.push({char: CHARS[best], p: probabilities[base + best]});
  }
  return {text: chars.map((c) => c.char).join('').trim(), chars};
}

// Per-character and exact-answer accuracy of predictions [n, ANSWER_LENGTH, CHARS.length] against answers.
export function accuracy(probabilities, answers) {
  let chars = 0, exact = 0;
  answers.forEach((answer, i) => {
    const padded = answer.padEnd(ANSWER_LENGTH, ' ');
    const {chars: got} = decodeAnswer(probabilities, i);
    let all = true;
    got.forEach((g, t) => {
      if (g.char === padded[t]) chars += 1;
      else all = false;
    });
    if (all) exact += 1;
  });
  return {perCharacter: chars / (answers.length * ANSWER_LENGTH), exact: exact / answers.length};
}

// Checks a typed question: "12+345" with numbers of 1 to DIGITS digits; returns it without spaces.
export function parseQuestion(text) {
  const q = text.replace(/\s+/g, '');
  const m = /^(\d{1,3})\+(\d{1,3})$/.exec(q);
  if (!m) throw new Error(`type a sum of two numbers of up to ${DIGITS} digits, like 535+61`);
  return {question: `${Number(m[1])}+${Number(m[2])}`, answer: String(Number(m[1]) + Number(m[2]))};
}
