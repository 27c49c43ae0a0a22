// The voting booth page (/booth) and the challenge-check page (/challenge).
// The private credential is read from the field or the URL fragment (never sent: browsers do
// not send fragments), used here to sign, and never leaves this page.
import { deriveCredential } from './credentials.js';
import { checkLastBallot, encryptChoices, signBallot } from './submission.js';
import { encryptDeniableChoices, signDeniableBallot } from './deniable.js';
import { challengeData, checkChallenge } from './challenge.js';
import { ServedValueError, checkServedValues } from './recompute.js';
import { canonicalJsonText } from './canonical.js';
import { lightCheck, LightCheckError } from './lightcheck.js';

const $ = (id) => document.getElementById(id);

function messages() {
  const node = $('booth-messages');
  return node ? JSON.parse(node.textContent) : {};
}

const MSG = messages();
function t(key, values = {}) {
  const text = MSG[`booth.${key}`] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

/**
 * The referendum as the server describes it, with the fingerprint and the election key
 * recomputed here from the manifest and the key ceremony (recompute.js); throws
 * ServedValueError when the server's values are not those.
 */
async function checkedReferendum(info) {
  const ceremony = await getJson('/api/ceremony');
  return checkServedValues(info, ceremony.body);
}

/** The message, in the page's language, for a served value the booth does not accept. */
const servedError = (e) => (e.code ? t(`err_served.${e.code}`, { detail: e.detail }) : t('err_network'));

function status(text, kind = 'error') {
  const node = $('booth-status');
  node.textContent = text;
  node.className = text ? kind : '';
  if (text) node.scrollIntoView({ block: 'nearest' });
}

// A problem with the credential, shown under its field (on a phone the page's status line is
// far below it); '' clears it.
function credentialStatus(text) {
  const node = $('credential-error');
  node.textContent = text;
  node.hidden = !text;
  $('credential').setAttribute('aria-invalid', text ? 'true' : 'false');
}

function show(step) {
  for (const id of ['step-review', 'step-challenge', 'step-receipt']) $(id).hidden = id !== step;
  $('step-choice').hidden = step !== 'step-choice';
  $('step-credential').hidden = step !== 'step-choice';
  const heading = document.querySelector(`#${step} h2`);
  if (heading) heading.focus();
}

// Point a download link at a receipt: its canonical JSON and a line feed, as
// `referendum vote --receipt-out` writes it. Returns false when there is no receipt.
function offerReceipt(link, receipt, name) {
  if (!receipt) return false;
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  const blob = new Blob([`${canonicalJsonText(receipt)}\n`], { type: 'application/json' });
  link.href = URL.createObjectURL(blob);
  link.download = name;
  return true;
}

// The questions on a region's ballot (its ballot style): a question naming regions is shown
// only once the credential's region is known, and only if that region is among them.
function applyStyle(container, region) {
  for (const fieldset of container.querySelectorAll('fieldset[data-regions]')) {
    const onBallot = region !== null && fieldset.dataset.regions.split(' ').includes(region);
    fieldset.hidden = !onBallot;
    if (!onBallot) for (const input of fieldset.querySelectorAll('input')) input.checked = false;
  }
}

function readChoices(container) {
  const choices = {};
  for (const fieldset of container.querySelectorAll('fieldset[data-question]')) {
    if (fieldset.hidden) continue;
    const chosen = [...fieldset.querySelectorAll('input:checked')].map((i) => i.value);
    const min = Number(fieldset.dataset.min);
    const max = Number(fieldset.dataset.max);
    if (chosen.length < min || chosen.length > max) return null;
    choices[fieldset.dataset.question] = chosen;
  }
  return choices;
}

// The chosen answers in words, as the voter saw them (the labels of the page).
function showChoices(list, container, choices) {
  list.replaceChildren();
  for (const fieldset of container.querySelectorAll('fieldset[data-question]')) {
    const id = fieldset.dataset.question;
    if (!(id in choices)) continue;
    const term = document.createElement('dt');
    term.textContent = fieldset.querySelector('legend').textContent;
    const answer = document.createElement('dd');
    const labels = [...fieldset.querySelectorAll('input:checked')].map((i) => i.parentElement.textContent.trim());
    answer.textContent = labels.length ? labels.join(', ') : t('no_answer');
    list.append(term, answer);
  }
}

function credentialError(e) {
  if (e.code === 'length') return t('err_credential', { reason: t('reason.length', { n: e.n }) });
  if (e.code === 'alphabet') return t('err_credential', { reason: t('reason.alphabet') });
  if (e.code === 'checksum') return t('err_credential', { reason: t('reason.checksum') });
  return t('err_credential', { reason: e.message });
}

// The tracking code of the last ballot this browser cast with a credential, kept in its local
// storage (a tracking code reveals nothing of the vote): the next ballot is checked against
// the board's answer with it.  With deniable revoting nothing is kept (docs/spec/coercion.md
// section 10): whoever later holds the device would see that its voter voted again.
const lastKey = (info, credential) => `referendum-last-ballot:${info.fingerprint}:${credential}`;

function ownLast(info, credential) {
  try {
    return globalThis.localStorage.getItem(lastKey(info, credential));
  } catch (e) {
    return null; // storage disabled: the board's answer is all there is
  }
}

function keepLast(info, credential, code) {
  try {
    globalThis.localStorage.setItem(lastKey(info, credential), code);
  } catch (e) {
    // storage disabled: nothing to keep
  }
}

function describe(choices) {
  return Object.values(choices).map((answers) => answers.join(', ') || t('no_answer')).join('; ');
}

// The voting periods, and the server's clock (the booth's own may be wrong): whether a
// ballot cast now would still be inside a period.
function serverOffset(info) {
  const now = Date.parse(info.now ?? '');
  return Number.isNaN(now) ? 0 : now - Date.now();
}

function periodOpen(info, offset) {
  const now = Date.now() + offset;
  return info.manifest.window.some((p) => Date.parse(p.opens) <= now && now < Date.parse(p.closes));
}

// The receipt of the last ballot cast in this tab, kept in the tab's session storage so that
// it survives a reload or Back (it says nothing of the vote).
const receiptKey = (info) => `referendum-receipt:${info.fingerprint}`;

function keepReceipt(info, shown) {
  try {
    globalThis.sessionStorage.setItem(receiptKey(info), JSON.stringify(shown));
  } catch (e) {
    // storage disabled: the receipt stays on the page only
  }
}

function keptReceipt(info) {
  try {
    return JSON.parse(globalThis.sessionStorage.getItem(receiptKey(info)) ?? 'null');
  } catch (e) {
    return null;
  }
}

function receiptText(shown) {
  const lines = [`${t('receipt_title')}`, `${t('tracking_code')}: ${shown.tracking_code}`];
  if (shown.short_code) lines.push(`${t('short_code')} ${shown.short_code}`);
  if (shown.replaces) lines.push(`${t('replaced')} ${shown.replaces}`);
  return `${lines.join('\n')}\n`;
}

// The receipt on the page (null: none shown), which a language switch carries over when it
// is not kept in the tab's storage (deniable revoting).
let onPage = null;

function showReceipt(shown) {
  onPage = shown;
  $('refusal-receipt').hidden = true;
  $('signed-receipt').hidden = !offerReceipt($('save-receipt'), shown.receipt, `receipt-${shown.height}.json`);
  $('short-code').textContent = shown.short_code ?? '';
  $('tracking-code').textContent = shown.tracking_code;
  $('track-link').href = `/track?code=${shown.tracking_code}`;
  $('replaced-note').hidden = !shown.replaces;
  $('replaced-code').textContent = shown.replaces ?? '';
  show('step-receipt');
}

/** A refusal in the page's language: the reason's code from the catalogue, else the server's words. */
function refusalText(body, status) {
  const known = body.error && MSG[`reason.${body.error}`];
  return t('err_server', { reason: known ? MSG[`reason.${body.error}`] : (body.reason ?? status) });
}

// Switching language reloads the page in the other language: what the voter entered (the
// credential, the answers) and the receipt shown are carried over in the tab's session
// storage, for that one navigation only (read and deleted at once; never sent anywhere).
const CARRY = 'referendum-booth-carry';

function carryOnLanguageSwitch(form, input) {
  for (const link of document.querySelectorAll('.langs a')) {
    link.addEventListener('click', () => {
      const answers = [...form.querySelectorAll('input:checked')].map((i) => [i.name, i.value]);
      const receipt = !$('step-receipt').hidden;
      try {
        const shown = receipt ? onPage : null;
        globalThis.sessionStorage.setItem(CARRY, JSON.stringify({ credential: input.value, answers, receipt, shown }));
      } catch (e) {
        // storage disabled: the page in the other language starts afresh
      }
    });
  }
}

function carried() {
  try {
    const kept = JSON.parse(globalThis.sessionStorage.getItem(CARRY) ?? 'null');
    globalThis.sessionStorage.removeItem(CARRY);
    return kept;
  } catch (e) {
    return null;
  }
}

function restoreAnswers(form, answers) {
  for (const [name, value] of answers ?? []) {
    for (const item of form.querySelectorAll('input[name]')) {
      if (item.name === name && item.value === value) item.checked = true;
    }
  }
}

// GETs for the light check: the board's own answers, and the witnesses' (other origins,
// without cookies).
async function getText(url) {
  const own = url.startsWith('/');
  const response = await fetch(url, own ? { credentials: 'same-origin' } : { credentials: 'omit', mode: 'cors' });
  return { status: response.status, text: await response.text() };
}

function joinNames(names) {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} ${t('and')} ${names[names.length - 1]}`;
}

const LOG_ATTEMPTS = 20;
const LOG_RETRY_MS = 1000;

// After casting: is the ballot in the log the manifest's witnesses cosigned? (lightcheck.js)
async function checkInLog(info, receipt) {
  const node = $('log-check');
  if (!node) return;
  if (!receipt || !info.manifest.witnesses) {
    node.hidden = true;
    return;
  }
  node.hidden = false;
  node.className = 'muted';
  node.textContent = t('log_checking');
  // the witnesses poll the board every few seconds: wait a little for them to cosign a
  // checkpoint that includes this ballot before saying they have not
  for (let attempt = 0; ; attempt++) {
    try {
      const found = await lightCheck({ info, receipt, get: getText });
      node.className = 'ok';
      node.textContent = t('log_ok', { witnesses: joinNames(found.witnesses), size: found.size });
      return;
    } catch (e) {
      const code = e instanceof LightCheckError ? e.code : 'network';
      if (code === 'not_yet' && attempt < LOG_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, LOG_RETRY_MS));
        continue;
      }
      node.className = 'error';
      node.textContent = t(`log_err.${code}`, { detail: e.detail ?? e.message });
      return;
    }
  }
}

async function booth() {
  const form = $('booth');
  const input = $('credential');
  const encryptButton = $('encrypt');
  let info = null;
  let offset = 0;
  let pending = null; // the encrypted, unsigned ballot awaiting cast or challenge
  let pendingKey = null; // its credential's key: signs it if (and only if) it is cast
  let pendingChoices = null;
  // deniable revoting (docs/spec/coercion.md): ballots name no credential nor the ballot they
  // replace, and this browser keeps nothing of them
  let deniable = false;

  // a credential in the link's fragment (#credential=...): fill it in, then drop it from the
  // address bar and history
  const carry = carried();
  carryOnLanguageSwitch(form, input);
  if (carry?.credential) input.value = carry.credential;
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get('credential')) {
    input.value = fragment.get('credential');
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }

  const loaded = await getJson('/api/referendum');
  info = loaded.body;
  offset = serverOffset(info);
  // after a reload or Back/Forward, the receipt this tab was showing is shown again (a fresh
  // visit of the booth starts a new ballot)
  const navigation = globalThis.performance?.getEntriesByType?.('navigation')?.[0]?.type;
  // (with deniable revoting nothing is kept: only a language switch carries the receipt over)
  const kept = ['reload', 'back_forward'].includes(navigation) || carry?.receipt ? keptReceipt(info) ?? carry?.shown : null;
  if (kept) showReceipt(kept);
  if (info.phase !== 'open') {
    status(t('not_open'));
    return;
  }
  try {
    info = await checkedReferendum(info);
    deniable = info.manifest.revoting === 'deniable';
  } catch (e) {
    // the server's fingerprint or key is not what the booth recomputes: never encrypt
    status(servedError(e));
    form.dataset.refused = e.code ?? 'network';
    return;
  }

  // the credential's region decides which questions are on the ballot
  let styled = null; // the credential whose region the questions shown are for
  async function regionOf(key) {
    const found = await getJson(`/api/credentials/${key.public.toHex()}`);
    if (found.status !== 200) return null;
    return found.body.region;
  }
  async function styleFor(value) {
    let key;
    try {
      key = deriveCredential(info.manifest.id, value);
    } catch (e) {
      return;
    }
    const region = await regionOf(key).catch(() => null);
    if (region !== null && input.value === value) {
      applyStyle(form, region);
      styled = value;
    }
  }
  input.addEventListener('change', () => styleFor(input.value));
  if (input.value) await styleFor(input.value);
  restoreAnswers(form, carry?.answers);

  async function encryptBallot() {
    status('');
    credentialStatus('');
    let key;
    try {
      key = deriveCredential(info.manifest.id, input.value);
    } catch (e) {
      credentialStatus(credentialError(e));
      input.focus();
      return;
    }
    encryptButton.disabled = true;
    status(t('encrypting'), 'muted');
    try {
      const found = await getJson(`/api/credentials/${key.public.toHex()}`);
      if (found.status !== 200) {
        status('');
        credentialStatus(t('err_unknown_credential'));
        input.focus();
        return;
      }
      if (styled !== input.value) {
        // questions may have appeared or gone: let the voter see them before encrypting
        applyStyle(form, found.body.region);
        styled = input.value;
        if (form.querySelector('fieldset[data-regions]:not([hidden])')) {
          status(t('style_changed'));
          return;
        }
      }
      const choices = readChoices(form);
      if (!choices) {
        status(t('err_choice'));
        return;
      }
      // let the status paint before the (synchronous) encryption
      await new Promise((resolve) => setTimeout(resolve, 0));
      const encrypt = deniable ? encryptDeniableChoices : encryptChoices;
      pending = encrypt({ info, region: found.body.region, credential: key.public, choices });
      pendingKey = key;
      pendingChoices = choices;
      $('pending-code').textContent = pending.trackingCode;
      showChoices($('review-choices'), form, choices);
      status('');
      show('step-review');
    } catch (e) {
      status(t('err_network'));
    } finally {
      encryptButton.disabled = false;
    }
  }
  encryptButton.addEventListener('click', encryptBallot);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target instanceof HTMLInputElement) {
      event.preventDefault();
      encryptBallot();
    }
  });
  encryptButton.disabled = false;

  // a visible ballot signs the credential's last ballot on the board (checked against the one
  // this browser cast last); null (with the reason shown) when it must not be cast
  async function visibleSubmission() {
    const found = await getJson(`/api/credentials/${pending.credential}`);
    if (found.status !== 200) {
      status(t('err_unknown_credential'));
      return null;
    }
    let replaces;
    try {
      replaces = checkLastBallot(found.body.last_tracking_code ?? null, ownLast(info, pending.credential));
    } catch (e) {
      status(t('err_dropped', { board: e.board ?? t('no_ballot'), own: e.own }));
      return null;
    }
    return signBallot({ info, encrypted: pending, key: pendingKey, replaces });
  }

  $('cast').addEventListener('click', async () => {
    if (!pending) return;
    if (!periodOpen(info, offset)) {
      status(t('period_ended'));
      return;
    }
    $('cast').disabled = true;
    status(t('casting'), 'muted');
    try {
      // the ballot is signed only now, when the voter casts it (a challenged ballot is never
      // signed); a deniable one then gets its credential proof, and names no earlier ballot
      const submission = deniable
        ? signDeniableBallot({ info, encrypted: pending, key: pendingKey })
        : await visibleSubmission();
      if (!submission) return;
      const response = await fetch('/api/ballots', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(submission),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 201) {
        status(refusalText(body, response.status));
        $('refusal-receipt').hidden = !offerReceipt(
          $('save-refusal'), body.receipt, `refusal-receipt-${body.receipt?.height}.json`);
        return;
      }
      if (!deniable) keepLast(info, submission.credential, body.tracking_code);
      pending = null;
      pendingKey = null;
      status('');
      const shown = {
        tracking_code: body.tracking_code, short_code: body.short_code ?? null, height: body.height,
        replaces: body.replaces ?? null, receipt: body.receipt ?? null,
      };
      if (!deniable) keepReceipt(info, shown);
      showReceipt(shown);
      checkInLog(info, body.receipt);
    } catch (e) {
      status(t('err_network'));
    } finally {
      $('cast').disabled = false;
    }
  });

  $('challenge').addEventListener('click', () => {
    if (!pending) return;
    const data = challengeData(info, pending, pendingChoices);
    pending = null; // a challenged ballot is never signed nor cast: the next one is fresh
    pendingKey = null;
    $('challenge-output').value = JSON.stringify(data, null, 1);
    try {
      checkChallenge(info, data);
      $('challenge-result').textContent = t('challenge_ok', { choice: describe(pendingChoices) });
      $('challenge-result').className = 'ok';
    } catch (e) {
      $('challenge-result').textContent = t('challenge_bad');
      $('challenge-result').className = 'error';
    }
    show('step-challenge');
  });

  $('copy-receipt').addEventListener('click', async () => {
    const shown = keptReceipt(info) ?? { tracking_code: $('tracking-code').textContent, short_code: $('short-code').textContent };
    try {
      await navigator.clipboard.writeText(receiptText(shown));
      $('receipt-action').textContent = t('copied');
    } catch (e) {
      // no clipboard (insecure origin, or refused): select the code for the voter to copy
      const range = document.createRange();
      range.selectNodeContents($('tracking-code'));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      $('receipt-action').textContent = t('copy_by_hand');
    }
  });
  $('print-receipt').addEventListener('click', () => window.print());

  for (const id of ['restart', 'again']) {
    $(id).addEventListener('click', () => {
      status('');
      show('step-choice');
      document.querySelector('#step-choice h2').focus();
    });
  }
}

async function checkPage() {
  const button = $('check-button');
  button.disabled = false;
  button.addEventListener('click', async () => {
    const out = $('check-result');
    try {
      const data = JSON.parse($('check-input').value);
      const info = await checkedReferendum((await getJson('/api/referendum')).body);
      const choices = checkChallenge(info, data);
      out.textContent = t('challenge_ok', { choice: describe(choices) });
      out.className = 'ok';
    } catch (e) {
      out.textContent = e instanceof ServedValueError ? servedError(e) : t('challenge_bad');
      out.className = 'error';
    }
  });
}

function start() {
  if ($('booth')) booth();
  else if ($('check-form')) checkPage();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
