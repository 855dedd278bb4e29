// The tests' own reading of HDF5 files (beside kerasm's), apart from support.mjs so that only the test
// files that read Keras files load h5wasm.
import h5wasm from 'h5wasm/node';
import {scratchH5} from './support.mjs';

const {FS: h5FS} = await h5wasm.ready;

// fn(file) on the bytes opened read-only as an HDF5 file (the tests' own reading, beside kerasm's).
export function withH5(bytes, fn, kind = 'test') {
  const name = scratchH5(kind);
  h5FS.writeFile(name, bytes);
  const f = new h5wasm.File(name, 'r');
  try {
    return fn(f);
  } finally {
    f.close();
    h5FS.unlink(name);
  }
}
