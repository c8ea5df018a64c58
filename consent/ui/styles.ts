// The banner's CSS, inside its shadow root so the site's CSS cannot reach it. Sites theme it with
// the custom properties below (they inherit into the shadow root from the page).
export const CSS = `:host{all:initial;--bg:var(--precis-bg,#fff);--fg:var(--precis-fg,#1b1f24);--mu:var(--precis-muted,#4b5563);--ac:var(--precis-accent,#1d4ed8);--af:var(--precis-accent-fg,#fff);--bd:var(--precis-border,#d1d5db);--r:var(--precis-radius,8px);font:15px/1.45 var(--precis-font,system-ui,sans-serif);color:var(--fg)}
@media (prefers-color-scheme:dark){:host{--bg:var(--precis-bg,#1f2430);--fg:var(--precis-fg,#f3f4f6);--mu:var(--precis-muted,#c7ccd6);--ac:var(--precis-accent,#9cc2ff);--af:var(--precis-accent-fg,#111827);--bd:var(--precis-border,#4b5563)}}
[hidden]{display:none!important}
.b,.d,.n{background:var(--bg);color:var(--fg);border:1px solid var(--bd);border-radius:var(--r);box-shadow:0 4px 24px #0004;box-sizing:border-box}
.b,.n{position:fixed;z-index:var(--precis-z,2147483000);left:16px;right:16px;bottom:16px;max-width:720px;margin:auto;padding:16px 20px}
.o{position:fixed;inset:0;z-index:var(--precis-z,2147483000);background:#0008;display:flex;align-items:center;justify-content:center;padding:16px}
.d{width:100%;max-width:560px;max-height:100%;overflow:auto;padding:20px;position:relative}
h2{font-size:1.1em;margin:0 0 8px}p{margin:0 0 12px}.s{color:var(--mu);font-size:.9em;margin:4px 0 0}
.r{display:flex;flex-wrap:wrap;gap:8px}.r button{flex:1 1 0;min-width:9em}
button{font:inherit;min-height:44px;padding:8px 16px;border-radius:var(--r);border:2px solid var(--ac);background:var(--ac);color:var(--af);cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.x{position:absolute;top:12px;right:12px;min-height:36px;padding:0 12px;background:var(--bg);color:var(--fg);border-color:var(--bd)}
fieldset{border:0;border-top:1px solid var(--bd);margin:0;padding:12px 0}
label{display:flex;gap:12px;align-items:center;font-weight:600}input{width:20px;height:20px;margin:0;accent-color:var(--ac)}
ul{margin:6px 0 0;padding-left:20px;color:var(--mu);font-size:.9em}
.g{border-left:4px solid var(--ac);padding:8px 12px}`
