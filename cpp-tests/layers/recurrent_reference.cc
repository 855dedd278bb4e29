// The recurrent reference (recurrent_reference.h): plain loops over the Keras formulas, in double.
#include "layers/recurrent_reference.h"

namespace kerasm::testing {

namespace {

// The Keras-layout weights of a CuDNN layer's stored ones (LAYERS.md; Keras 2's converter): each input
// kernel block [in, u] holds cuDNN's row-major [u, in] matrix, each recurrent block the transposed matrix,
// and the bias is input then recurrent biases.
void FromCudnn(int64_t in, int64_t u, int64_t g, std::vector<double>* k, std::vector<double>* r) {
  std::vector<double> k2(k->size()), r2(r->size());
  for (int64_t gate = 0; gate < g; ++gate) {
    // The block's entries in memory order (row-major over [in, u]).
    std::vector<double> flat;
    for (int64_t a = 0; a < in; ++a)
      for (int64_t b = 0; b < u; ++b) flat.push_back((*k)[a * g * u + gate * u + b]);
    for (int64_t a = 0; a < in; ++a)
      for (int64_t b = 0; b < u; ++b) k2[a * g * u + gate * u + b] = flat[b * in + a];
    for (int64_t a = 0; a < u; ++a)
      for (int64_t b = 0; b < u; ++b) r2[a * g * u + gate * u + b] = (*r)[b * g * u + gate * u + a];
  }
  *k = k2;
  *r = r2;
}

}  // namespace

std::vector<std::vector<double>> RnnReference(const RnnRefOptions& o, const std::vector<double>& x, int64_t batch,
                                              int64_t steps, int64_t in, const std::vector<std::vector<double>>& w,
                                              std::vector<std::vector<double>> states, const std::vector<double>& mask) {
  const int64_t u = o.units;
  const int64_t g = o.cell == "simple" ? 1 : o.cell == "gru" ? 3 : 4;
  const int64_t nstates = o.cell == "lstm" ? 2 : 1;
  std::vector<double> k = w[0], r = w[1];
  std::vector<double> b_in(g * u, 0.0), b_rec(g * u, 0.0);
  if (o.use_bias) {
    const std::vector<double>& b = w[2];
    if (o.cudnn || (o.cell == "gru" && o.reset_after)) {
      for (int64_t j = 0; j < g * u; ++j) {
        b_in[j] = b[j];
        b_rec[j] = b[g * u + j];
      }
    } else {
      b_in = b;
    }
  }
  if (o.cudnn) FromCudnn(in, u, g, &k, &r);
  if (states.empty()) states.assign(nstates, std::vector<double>(batch * u, 0.0));
  auto ra = [&](double v) { return ActivationRef(o.recurrent_activation, v); };
  auto act = [&](double v) { return ActivationRef(o.activation, v); };

  std::vector<double> seq(batch * steps * u, 0.0), last(batch * u, 0.0);
  for (int64_t n = 0; n < batch; ++n) {
    std::vector<double> h(states[0].begin() + n * u, states[0].begin() + (n + 1) * u);
    std::vector<double> c = nstates == 2 ? std::vector<double>(states[1].begin() + n * u, states[1].begin() + (n + 1) * u)
                                         : std::vector<double>();
    std::vector<double> prev(u, 0.0);
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = o.go_backwards ? steps - 1 - s : s;
      const double* xt = &x[(n * steps + t) * in];
      // mx = x W + b_in, mi = h U + b_rec (the GRU reset-before variant recomputes its candidate part).
      std::vector<double> mx(g * u), mi(g * u);
      for (int64_t j = 0; j < g * u; ++j) {
        double a = b_in[j], m = b_rec[j];
        for (int64_t i = 0; i < in; ++i) a += xt[i] * k[i * g * u + j];
        for (int64_t i = 0; i < u; ++i) m += h[i] * r[i * g * u + j];
        mx[j] = a;
        mi[j] = m;
      }
      std::vector<double> hn(u), cn = c;
      for (int64_t j = 0; j < u; ++j) {
        if (o.cell == "simple") {
          hn[j] = act(mx[j] + mi[j]);
        } else if (o.cell == "lstm") {
          const double ig = ra(mx[j] + mi[j]), fg = ra(mx[u + j] + mi[u + j]);
          const double cc = act(mx[2 * u + j] + mi[2 * u + j]), og = ra(mx[3 * u + j] + mi[3 * u + j]);
          cn[j] = fg * c[j] + ig * cc;
          hn[j] = og * act(cn[j]);
        }
      }
      if (o.cell == "gru") {
        std::vector<double> z(u), rr(u);
        for (int64_t j = 0; j < u; ++j) {
          z[j] = ra(mx[j] + mi[j]);
          rr[j] = ra(mx[u + j] + mi[u + j]);
        }
        for (int64_t j = 0; j < u; ++j) {
          double rec;
          if (o.reset_after) {
            rec = rr[j] * mi[2 * u + j];
          } else {
            rec = 0;
            for (int64_t i = 0; i < u; ++i) rec += rr[i] * h[i] * r[i * g * u + 2 * u + j];
          }
          const double hh = act(mx[2 * u + j] + rec);
          hn[j] = z[j] * h[j] + (1 - z[j]) * hh;
        }
      }
      const bool keep = mask.empty() || mask[n * steps + t] != 0;
      std::vector<double> out = hn;
      if (keep) {
        h = hn;
        c = cn;
      } else {
        out = o.zero_output_for_mask ? std::vector<double>(u, 0.0) : prev;
      }
      prev = out;
      for (int64_t j = 0; j < u; ++j) seq[(n * steps + s) * u + j] = out[j];
    }
    for (int64_t j = 0; j < u; ++j) {
      last[n * u + j] = prev[j];
      states[0][n * u + j] = h[j];
      if (nstates == 2) states[1][n * u + j] = c[j];
    }
  }
  std::vector<std::vector<double>> result{o.return_sequences ? seq : last};
  if (o.return_state) result.insert(result.end(), states.begin(), states.end());
  return result;
}

Reference RnnCaseReference(const RnnRefOptions& o) {
  return [o](const Tensors& inputs, const Tensors& weights) {
    std::vector<std::vector<double>> w;
    for (const Tensor& t : weights) w.push_back(ToDoubles(t));
    std::vector<std::vector<double>> states;
    for (size_t i = 1; i < inputs.size(); ++i) states.push_back(ToDoubles(inputs[i]));
    const Tensor& x = inputs[0];
    // A cell's one step is a one-step sequence.
    if (x.rank() == 2) return RnnReference(o, ToDoubles(x), x.dim(0), 1, x.dim(1), w, states);
    return RnnReference(o, ToDoubles(x), x.dim(0), x.dim(1), x.dim(2), w, states);
  };
}

}  // namespace kerasm::testing
