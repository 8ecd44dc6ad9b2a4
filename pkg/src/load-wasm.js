// Browser (and bundler) loader: the .wasm file sits next to the glue and is
// fetched and compiled on first use. `new URL(..., import.meta.url)` is the
// pattern Vite, webpack 5 and Parcel recognise as an asset reference.
import init from '../wasm/nhs_login.js';

export default () => init({ module_or_path: new URL('../wasm/nhs_login_bg.wasm', import.meta.url) });
