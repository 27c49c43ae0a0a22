// The voting booth page (/booth) and the challenge-check page (/challenge).
// The private credential is read from the field or the URL fragment (never sent: browsers do
// not send fragments), used here to sign, and never leaves this page.
import { deriveCredential } from './credentials.js';
import { checkLastBallot, encryptChoices, signBallot } from './submission.js';
import { challengeData, checkChallenge } from './challenge.js';
import { ServedValueError, checkServedValues } from './recompute.js';
import { canonicalJsonText } from './canonical.js';

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

function readChoices(form) {
  const choices = {};
  for (const fieldset of form.querySelectorAll('fieldset[data-question]')) {
    const chosen = [...fieldset.querySelectorAll('input:checked')].map((i) => i.value);
    const min = Number(fieldset.dataset.min);
    const max = Number(fieldset.dataset.max);
    if (chosen.length < min || chosen.length > max) return null;
    choices[fieldset.dataset.question] = chosen;
  }
  return choices;
}

function credentialError(e) {
  if (e.code === 'length') return t('err_credential', { reason: t('reason.length', { n: e.n }) });
  if (e.code === 'alphabet') return t('err_credential', { reason: t('reason.alphabet') });
  if (e.code === 'checksum') return t('err_credential', { reason: t('reason.checksum') });
  return t('err_credential', { reason: e.message });
}

// The tracking code of the last ballot this browser cast with a credential, kept in its local
// storage (a tracking code reveals nothing of the vote): the next ballot is checked against
// the board's answer with it.
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
  return Object.values(choices).map((answers) => answers.join(', ')).join('; ');
}

async function booth() {
  const form = $('booth');
  const input = $('credential');
  let info = null;
  let pending = null; // the encrypted, unsigned ballot awaiting cast or challenge
  let pendingKey = null; // its credential's key: signs it if (and only if) it is cast
  let pendingChoices = null;

  // a credential in the link's fragment (#credential=...): fill it in, then drop it from the
  // address bar and history
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get('credential')) {
    input.value = fragment.get('credential');
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }

  const loaded = await getJson('/api/referendum');
  info = loaded.body;
  if (info.phase !== 'open') {
    status(t('not_open'));
    $('encrypt').disabled = true;
    return;
  }
  try {
    info = await checkedReferendum(info);
  } catch (e) {
    // the server's fingerprint or key is not what the booth recomputes: never encrypt
    status(servedError(e));
    $('encrypt').disabled = true;
    form.dataset.refused = e.code ?? 'network';
    return;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status('');
    let key;
    try {
      key = deriveCredential(info.manifest.id, input.value);
    } catch (e) {
      status(credentialError(e));
      input.focus();
      return;
    }
    const choices = readChoices(form);
    if (!choices) {
      status(t('err_choice'));
      return;
    }
    $('encrypt').disabled = true;
    status(t('encrypting'), 'muted');
    try {
      const found = await getJson(`/api/credentials/${key.public.toHex()}`);
      if (found.status !== 200) {
        status(t('err_unknown_credential'));
        return;
      }
      // let the status paint before the (synchronous) encryption
      await new Promise((resolve) => setTimeout(resolve, 0));
      pending = encryptChoices({ info, region: found.body.region, credential: key.public, choices });
      pendingKey = key;
      pendingChoices = choices;
      $('pending-code').textContent = pending.trackingCode;
      status('');
      show('step-review');
    } catch (e) {
      status(t('err_network'));
    } finally {
      $('encrypt').disabled = false;
    }
  });

  $('cast').addEventListener('click', async () => {
    if (!pending) return;
    $('cast').disabled = true;
    status(t('casting'), 'muted');
    try {
      // the ballot signs the credential's last ballot on the board (checked against the one
      // this browser cast last), and is signed only now, when the voter casts it (a
      // challenged ballot is never signed)
      const found = await getJson(`/api/credentials/${pending.credential}`);
      if (found.status !== 200) {
        status(t('err_unknown_credential'));
        return;
      }
      let replaces;
      try {
        replaces = checkLastBallot(found.body.last_tracking_code ?? null, ownLast(info, pending.credential));
      } catch (e) {
        status(t('err_dropped', { board: e.board ?? t('no_ballot'), own: e.own }));
        return;
      }
      const submission = signBallot({ info, encrypted: pending, key: pendingKey, replaces });
      const response = await fetch('/api/ballots', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(submission),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 201) {
        status(t('err_server', { reason: body.reason ?? response.status }));
        $('refusal-receipt').hidden = !offerReceipt(
          $('save-refusal'), body.receipt, `refusal-receipt-${body.receipt?.height}.json`);
        return;
      }
      keepLast(info, submission.credential, body.tracking_code);
      pending = null;
      pendingKey = null;
      status('');
      $('refusal-receipt').hidden = true;
      $('signed-receipt').hidden = !offerReceipt(
        $('save-receipt'), body.receipt, `receipt-${body.height}.json`);
      $('short-code').textContent = body.short_code ?? '';
      $('tracking-code').textContent = body.tracking_code;
      $('track-link').href = `/track?code=${body.tracking_code}`;
      $('replaced-note').hidden = !body.replaces;
      $('replaced-code').textContent = body.replaces ?? '';
      show('step-receipt');
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

  for (const id of ['restart', 'again']) {
    $(id).addEventListener('click', () => {
      status('');
      show('step-choice');
      document.querySelector('#step-choice h2').focus();
    });
  }
}

async function checkPage() {
  const form = $('check-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
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
