// A stand-in for a third-party analytics tag (think of a hosted analytics script). The page
// includes it as <script type="text/plain" data-consent="analytics">: Precis runs it only with
// analytics consent, and on withdrawal deletes what it stored (listed in precis.config.json).
// biome-ignore lint/suspicious/noDocumentCookie: this imitates a third-party tag, which writes cookies so
document.cookie = `_vt_id=${Math.random().toString(36).slice(2)}; Path=/; Max-Age=31536000; SameSite=Lax`
localStorage.setItem('vt.session', String(Date.now()))
window.vendorTag = { loaded: true, hits: (window.vendorTag?.hits ?? 0) + 1 }
