import {compute} from './compute.mjs';

compute().then((result) => postMessage({result}), (e) => postMessage({error: String(e && e.stack || e)}));
