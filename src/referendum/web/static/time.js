// Shows each time of the record (a <time datetime="...Z"> element, written in UTC by the
// server) in the reader's own time zone too: "4 May 2026, 10:00 (your time) · 08:00 UTC".
// Without this script the UTC time alone is shown.
(() => {
  const lang = document.documentElement.lang || undefined;
  const format = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const yours = document.documentElement.dataset.yourTime || '(your time)';
  for (const node of document.querySelectorAll('time[datetime$="Z"]')) {
    const moment = new Date(node.getAttribute('datetime'));
    if (Number.isNaN(moment.getTime()) || node.dataset.local) continue;
    node.dataset.local = 'yes';
    const local = document.createElement('span');
    local.className = 'local';
    local.textContent = ` · ${format.format(moment)} ${yours}`;
    node.append(local);
  }
})();
