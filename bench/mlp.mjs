// The MLP cases (784-128-10, relu/softmax): one training step at batch 64 (kerasm vs tfjs; onnxruntime-web
// cannot train) and predict of the same model (all three peers). Filled in when models land.
export function mlpCases() {
  return [];
}
