/* plansearch search page. Plain JS, no framework, no build step, nothing loaded from elsewhere.
 * All text from the API goes into the page through textContent / text nodes, never innerHTML.
 * Written for older browsers too: no optional chaining, no ?? and no other syntax newer than ES2017. */
(function () {
  'use strict';

  var PAGE = 10;
  var MAX_OFFSET = 900;
  var FILTERS = ['plan', 'region', 'domain', 'kind'];
  var VIEWS = ['search', 'compare', 'indicators', 'review', 'upload'];
  var KIND_LABELS = { target: '目标', measure: '措施', implementation: '组织实施', overview: '总体' };
  var FILTER_LABELS = { plan: '规划', region: '地区', domain: '领域', kind: '类型' };
  var EXAMPLES = ['其他地方怎么预防儿童溺水', '小学生近视率目标', '留守儿童关爱服务', '宫颈癌和乳腺癌筛查'];
  // two-character pieces of a question that say nothing about its subject: not highlighted
  var STOP_BIGRAMS = ['其他', '他地', '地方', '怎么', '怎样', '如何', '哪些', '什么', '是否', '有哪', '哪里',
    '为什', '还有', '可以', '应该', '我们', '这个', '那个', '一下', '有没', '没有', '的是', '方面', '相关'];

  // ---------------------------------------------------------------- small helpers
  function $(id) { return document.getElementById(id); }

  function append(node, kids) {
    if (kids === null || kids === undefined || kids === false) return node;
    if (!Array.isArray(kids)) kids = [kids];
    kids.forEach(function (kid) {
      if (kid === null || kid === undefined || kid === false) return;
      if (Array.isArray(kid)) { append(node, kid); return; }
      node.appendChild(typeof kid === 'string' || typeof kid === 'number' ? document.createTextNode(String(kid)) : kid);
    });
    return node;
  }

  /** el('p', {class: 'x', text: '…', onclick: fn, 'aria-label': '…'}, [children]) — text is never parsed as HTML. */
  function el(tag, props, kids) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var value = props[key];
        if (value === null || value === undefined || value === false) return;
        if (key === 'class') node.className = value;
        else if (key === 'text') node.textContent = value;
        else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? '' : String(value));
      });
    }
    return append(node, kids);
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function show(node, visible) { node.hidden = !visible; }

  function queryString(params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (value === null || value === undefined || value === '') return;
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(value));
    });
    return parts.join('&');
  }

  function kindLabel(kind) { return KIND_LABELS[kind] || kind || ''; }

  function kindBadge(kind) {
    return el('span', { class: 'badge badge-' + (KIND_LABELS[kind] ? kind : 'overview'), text: kindLabel(kind) });
  }

  function span(a, b, unit) {
    if (a === null || a === undefined) return '';
    return (b === null || b === undefined || b === a) ? '第 ' + a + ' ' + unit : '第 ' + a + '–' + b + ' ' + unit;
  }

  /** 第 a–b 行 for a text file, 第 p 页 … for a PDF, 第 n 段 for Word and web pages. */
  function lineSpan(source) {
    if (source.page !== null && source.page !== undefined) {
      var samePage = source.page_end === null || source.page_end === undefined || source.page_end === source.page;
      return span(source.page, source.page_end, '页') + (samePage ? ' ' + span(source.line_start, source.line_end, '行') : '');
    }
    if (source.paragraph !== null && source.paragraph !== undefined) return span(source.paragraph, source.paragraph_end, '段');
    return span(source.line_start, source.line_end, '行');
  }

  /** 来源：file，第 a–b 行 — the line numbers kept on one line. */
  function sourceNode(cls, source) {
    if (!source) return el('span', { class: cls });
    return el('span', { class: cls }, ['来源：', el('span', { class: 'src-file', text: source.file }), '，',
      el('span', { class: 'src-lines', text: lineSpan(source) })]);
  }

  function passageHeading(p) {
    if (p.title) return p.title;
    return kindLabel(p.kind) + (p.number ? '（第 ' + p.number + ' 条）' : '');
  }

  // ---------------------------------------------------------------- API
  /** GET an API path; resolves with the JSON body, rejects with {status, detail, missingRoute, aborted}. */
  function api(path, params, signal) {
    var qs = params ? queryString(params) : '';
    var url = path + (qs ? '?' + qs : '');
    return fetch(url, { headers: { Accept: 'application/json' }, signal: signal, credentials: 'same-origin' })
      .then(function (response) {
        return response.text().then(function (raw) {
          var body = null;
          try { body = raw ? JSON.parse(raw) : null; } catch (e) { body = null; }
          if (response.ok) return body;
          var detail = body && typeof body.detail === 'string' ? body.detail : '';
          throw {
            status: response.status,
            detail: detail || ('服务返回错误（HTTP ' + response.status + '）'),
            param: body ? body.param : null,
            // a route the service does not have yet answers FastAPI's own 404; ours carry a Chinese message
            missingRoute: response.status === 404 && (!detail || detail === 'Not Found'),
          };
        });
      }, function (err) {
        if (err && err.name === 'AbortError') throw { aborted: true };
        throw { status: 0, detail: '无法连接检索服务，请检查网络连接或稍后重试。' };
      });
  }

  // ---------------------------------------------------------------- query terms and highlighting
  /** CJK runs → the run itself plus its overlapping two-character pieces; ASCII words as they are. */
  function queryTerms(q) {
    var terms = {};
    var runs = String(q || '').match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+(?:[.%‰][A-Za-z0-9]*)*/g) || [];
    runs.forEach(function (run) {
      if (/^[A-Za-z0-9]/.test(run)) {
        if (run.length > 1 || runs.length === 1) terms[run.toLowerCase()] = true;
        return;
      }
      if (run.length === 1) {
        if (runs.length === 1) terms[run] = true;
        return;
      }
      terms[run] = true;
      for (var i = 0; i + 2 <= run.length; i++) {
        var piece = run.substr(i, 2);
        if (STOP_BIGRAMS.indexOf(piece) < 0) terms[piece] = true;
      }
    });
    return Object.keys(terms).sort(function (a, b) { return b.length - a.length; });
  }

  /** A fragment of text nodes and <mark> elements: every occurrence of every term is marked. */
  function highlight(text, terms) {
    var frag = document.createDocumentFragment();
    text = text || '';
    if (!terms || !terms.length || !text) { frag.appendChild(document.createTextNode(text)); return frag; }
    var lower = text.replace(/[A-Z]/g, function (c) { return c.toLowerCase(); });
    var on = new Uint8Array(text.length);
    terms.forEach(function (term) {
      var from = 0;
      var at;
      while ((at = lower.indexOf(term, from)) !== -1) {
        for (var j = at; j < at + term.length; j++) on[j] = 1;
        from = at + 1;
      }
    });
    var i = 0;
    while (i < text.length) {
      var end = i;
      while (end < text.length && on[end] === on[i]) end++;
      var piece = text.slice(i, end);
      frag.appendChild(on[i] ? el('mark', null, piece) : document.createTextNode(piece));
      i = end;
    }
    return frag;
  }

  // ---------------------------------------------------------------- state and URL
  var state = readUrl();
  var plans = {};          // plan id → summary from /api/plans
  var planOrder = [];
  var caps = { ask: null, compare: null, indicators: null, targets: null, export: null };   // null: not known
  var selected = [];       // passage ids ticked for export, in order
  var search = { key: null, results: [], facets: null, done: false, error: null, loading: false, noAnswer: false };
  var searchCtl = null;
  var searchSeq = 0;       // each new search gets its own id; the drawn list remembers whose results it shows

  function readUrl() {
    var params = new URLSearchParams(location.search);
    var s = { q: (params.get('q') || '').trim(), view: params.get('view') || 'search' };
    if (VIEWS.indexOf(s.view) < 0) s.view = 'search';
    FILTERS.forEach(function (f) { s[f] = (params.get(f) || '').trim(); });
    return s;
  }

  function urlFor(s) {
    var params = { q: s.q };
    FILTERS.forEach(function (f) { params[f] = s[f]; });
    if (s.view !== 'search') params.view = s.view;
    var qs = queryString(params);
    return location.pathname + (qs ? '?' + qs : '');
  }

  /** Change the state, record it in the address bar (a new history entry) and draw the page. */
  function navigate(changes) {
    var next = Object.assign({}, state, changes);
    var url = urlFor(next);
    if (url !== location.pathname + location.search) history.pushState(null, '', url);
    state = next;
    render();
  }

  window.addEventListener('popstate', function () {
    state = readUrl();
    closeContext();
    render();
  });

  function activeFilters() { return FILTERS.filter(function (f) { return !!state[f]; }); }

  function planLabel(id) {
    var p = plans[id];
    if (p) return (p.short_name || p.region) + (p.subject ? p.subject : '') + '规划';
    for (var i = 0; i < search.results.length; i++) {
      if (search.results[i].plan_id === id) return search.results[i].plan_title;
    }
    return id;
  }

  function filterValueLabel(field, value) {
    if (field === 'plan') return planLabel(value);
    if (field === 'kind') return kindLabel(value);
    return value;
  }

  // ---------------------------------------------------------------- drawing: the frame
  function render() {
    var input = $('q');
    if (input.value !== state.q) input.value = state.q;
    document.title = state.q ? state.q + ' - 规划文本检索' : '规划文本检索';
    Array.prototype.forEach.call(document.querySelectorAll('.view-tab'), function (tab) {
      tab.setAttribute('aria-pressed', tab.getAttribute('data-view') === state.view ? 'true' : 'false');
    });
    VIEWS.forEach(function (v) { show($('view-' + v), v === state.view); });
    renderAnswer();
    if (state.view === 'compare') renderCompare();
    else if (state.view === 'indicators') renderIndicators();
    else if (state.view === 'review') renderReview();
    else if (state.view === 'upload') showFacets(false);
    else renderSearch();
  }

  // ---------------------------------------------------------------- 对标: a plan against its peers
  var review = { key: null, body: null, loading: false };

  function renderReview() {
    showFacets(false);
    var select = $('review-plan');
    if (select.options.length <= 1) {
      planOrder.forEach(function (id) { append(select, el('option', { value: id, text: plans[id].title || id })); });
    }
    select.value = state.plan || '';
    var box = $('review-message');
    var out = $('review');
    var docx = $('review-docx');
    if (!state.plan) {
      clear(out); show(docx, false);
      message(box, 'info', '请选择一个规划', ['选择后将与同类规划逐领域对照。']);
      return;
    }
    docx.href = '/api/review?' + queryString({ plan: state.plan, format: 'docx' });
    show(docx, true);
    if (review.key === state.plan && review.body) { drawReview(review.body); return; }
    if (review.loading === state.plan) return;
    review.loading = state.plan;
    clear(out);
    message(box, 'loading', '正在对标分析…', ['请稍候。']);
    var plan = state.plan;
    api('/api/review', { plan: plan }).then(function (body) {
      review.loading = false;
      review.key = plan; review.body = body;
      if (state.view === 'review' && state.plan === plan) drawReview(body);
    }, function (err) {
      review.loading = false;
      if (state.view === 'review') errorMessage(box, err, '对标分析');
    });
  }

  function citeLinks(citations) {
    return el('span', { class: 'review-cites' }, (citations || []).map(function (c) {
      var label = planLabel(c.plan_id) + ' ' + lineSpan(c.source);
      if (!c.passage_id) return el('span', { class: 'muted review-cite', text: label + '（指标表）' });
      return contextButton(c.passage_id, label, c.passage_id, 'value-link');
    }));
  }

  function valuesTable(rows) {
    return el('table', { class: 'review-values' }, [
      el('thead', null, el('tr', null, ['规划', '目标值', '来源'].map(function (h) { return el('th', { scope: 'col', text: h }); }))),
      el('tbody', null, rows.map(function (r) {
        return el('tr', { class: r.mine ? 'review-mine' : '' }, [
          el('td', { text: planLabel(r.plan_id) }), el('td', { text: r.value + (r.year ? '（' + r.year + '年）' : '') }),
          el('td', null, citeLinks(r.citations))]);
      }))]);
  }

  function drawReview(body) {
    var box = $('review-message');
    var out = clear($('review'));
    show(box, false);
    append(out, el('p', { class: 'muted', text: '对标规划（' + body.peer_rule + '）：' +
      body.peers.map(function (id) { return planLabel(id); }).join('、') }));
    var any = false;
    body.domains.forEach(function (d) {
      var n = d.weaker_targets.length + (d.stronger_targets || []).length + d.missing_indicators.length +
        d.missing_measures.length + d.additions.length;
      if (!n) return;
      any = true;
      var section = el('section', { class: 'review-domain', 'data-domain': d.domain }, [el('h2', { text: d.domain })]);
      // the plan's targets against its peers': its own row first, then one per peer
      function targetList(items, heading, cls, against) {
        if (!items.length) return;
        append(section, el('h3', { text: heading }));
        append(section, el('ul', { class: 'review-list ' + cls }, items.map(function (w) {
          var rows = [{ plan_id: body.plan_id, value: w.value, year: w.year, citations: w.citations, mine: true }].concat(w.peers);
          return el('li', null, [el('p', { text: w.indicator + '：本规划 ' + w.value + (w.year ? '（' + w.year + '年）' : '') +
            '，' + against(w) }), valuesTable(rows)]);
        })));
      }
      targetList(d.weaker_targets, '目标不及同类规划', 'review-weaker',
        function (w) { return '同类中位数 ' + w.median + '，要求最高的 ' + w.best; });
      targetList(d.stronger_targets || [], '目标高于同类规划', 'review-stronger',
        function (w) { return '同类规划中要求最高的 ' + w.best + '，中位数 ' + w.median; });
      if (d.missing_indicators.length) {
        append(section, el('h3', { text: '缺少的指标' }));
        append(section, el('ul', { class: 'review-list review-missing-indicators' }, d.missing_indicators.map(function (m) {
          return el('li', null, [el('p', { text: m.indicator + '（' + m.peers.length + ' 个同类规划设定）' }), valuesTable(m.peers)]);
        })));
      }
      if (d.missing_measures.length) {
        append(section, el('h3', { text: '缺少的常见措施' }));
        append(section, el('ul', { class: 'review-list review-missing-measures' }, d.missing_measures.map(function (m) {
          return el('li', null, [el('p', { text: m.title + '（' + m.peers.length + ' 个同类规划都有）' }), citeLinks(m.citations)]);
        })));
      }
      if (d.additions.length) {
        append(section, el('h3', { text: '本规划特有' }));
        append(section, el('ul', { class: 'review-list review-additions' }, d.additions.map(function (a) {
          return el('li', null, [el('p', { text: (a.kind === 'target' ? '指标：' : '措施：') + a.title + (a.value ? ' ' + a.value : '') }),
            citeLinks(a.citations)]);
        })));
      }
      append(out, section);
    });
    if (!any) message(box, 'info', '没有发现差异', ['与同类规划相比，各领域没有不及同类规划的目标、缺少的内容或特有的内容。']);
    setStatus('对标分析：' + planLabel(body.plan_id));
  }

  /** 上传规划: POST /api/plans with the key; the parse report (plans, region, counts) is shown. */
  function submitUpload(e) {
    e.preventDefault();
    var file = $('upload-file').files[0];
    var box = $('upload-message');
    clear($('upload-report'));
    if (!file) { message(box, 'error', '请选择文件', []); return; }
    var data = new FormData();
    data.append('file', file);
    if ($('upload-id').value.trim()) data.append('id', $('upload-id').value.trim());
    var headers = {};
    if ($('upload-key').value) headers['X-API-Key'] = $('upload-key').value;
    $('upload-button').disabled = true;
    message(box, 'info', '正在解析并建立索引……', ['较大的文件需要一两分钟。']);
    fetch('/api/plans', { method: 'POST', body: data, headers: headers }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; },
        function () { return { ok: false, status: response.status, body: {} }; });
    }).then(function (r) {
      $('upload-button').disabled = false;
      if (!r.ok) {
        message(box, 'error', '未能入库（' + r.status + '）', [String((r.body && r.body.detail) || '请求失败')]);
        return;
      }
      message(box, 'info', r.body.message || '已入库', ['已保存为 ' + r.body.stored_as + '。']);
      drawUploadReport(r.body.report);
      forget();
    }, function () {
      $('upload-button').disabled = false;
      message(box, 'error', '无法连接服务', ['请检查网络后重试。']);
    });
  }

  function drawUploadReport(report) {
    var out = $('upload-report');
    (report.plans || []).forEach(function (plan) {
      var details = [['地区', plan.region], ['时期', plan.period], ['对象', plan.subject], ['状态', plan.status],
        ['文号', plan.doc_number], ['发文机关', plan.issuer]].filter(function (d) { return d[1]; });
      var rows = Object.keys(plan.counts || {}).map(function (domain) {
        var c = plan.counts[domain];
        return el('tr', null, [el('th', { scope: 'row', text: domain }),
          el('td', { text: String(c.target || 0) }), el('td', { text: String(c.measure || 0) }),
          el('td', { text: String((c.overview || 0) + (c.implementation || 0)) })]);
      });
      append(out, el('article', { class: 'upload-plan' }, [
        el('h3', { text: plan.title + '（' + plan.id + '）' }),
        el('p', { class: 'muted', text: details.map(function (d) { return d[0] + '：' + d[1]; }).join('　') }),
        el('table', { class: 'upload-counts' }, [
          el('thead', null, el('tr', null, ['领域', '目标', '措施', '其他'].map(function (h) { return el('th', { scope: 'col', text: h }); }))),
          el('tbody', null, rows)]),
        (plan.warnings || []).length ? el('ul', { class: 'upload-warnings' },
          plan.warnings.map(function (w) { return el('li', { text: w }); })) : null
      ]));
    });
  }

  function setStatus(text) { $('status').textContent = text || ''; }

  function message(box, kind, heading, paragraphs, actions) {
    clear(box);
    box.className = 'message ' + kind;
    box.setAttribute('role', kind === 'error' ? 'alert' : 'note');
    append(box, el('h2', { text: heading }));
    (paragraphs || []).forEach(function (p) { append(box, typeof p === 'string' ? el('p', { text: p }) : p); });
    if (actions && actions.length) append(box, el('p', null, actions));
    show(box, true);
  }

  function emptyHint(box) {
    var list = el('ul', { class: 'examples', 'aria-label': '示例查询' }, EXAMPLES.map(function (ex) {
      return el('li', null, el('button', {
        type: 'button', class: 'btn btn-small', text: ex,
        onclick: function () { navigate({ q: ex }); },
      }));
    }));
    message(box, 'empty', '请输入要查找的内容', [
      '在上方搜索框中输入问题或关键词，按回车键或点“搜索”。可以直接问“其他地方怎么做”，也可以只写关键词。',
      el('p', { text: '例如：' }), list]);
  }

  function clearFiltersButton() {
    var changes = {};
    FILTERS.forEach(function (f) { changes[f] = ''; });
    return el('button', { type: 'button', class: 'btn btn-small', text: '去掉全部筛选条件',
      onclick: function () { navigate(changes); } });
  }

  function errorMessage(box, err, what) {
    var hint;
    if (err.status === 0) hint = '请检查网络连接后点“重试”；如果问题持续存在，请联系系统管理员。';
    else if (err.status === 422 && (err.param === 'q' || !err.param)) hint = '请缩短或修改查询内容后重新搜索。';
    else if (err.status === 422 || err.status === 404) hint = '请去掉有问题的筛选条件后重新搜索。';
    else hint = '请稍后点“重试”；如果问题持续存在，请联系系统管理员。';
    var actions = [el('button', { type: 'button', class: 'btn btn-small', text: '重试',
      onclick: function () { forget(); render(); } })];
    if (activeFilters().length && err.status !== 0) actions.push(' ', clearFiltersButton());
    message(box, 'error', what + '出错', [err.detail, hint], actions);
  }

  function forget() { search.key = null; compare.key = null; indicators.list = null; }

  // ---------------------------------------------------------------- the answer box
  var ask = { key: null, body: null, ctl: null };

  function renderAnswer() {
    var box = $('answer');
    // the answer covers every plan: with filters set it would contradict the narrowed list, so it steps aside
    if (state.view !== 'search' || !state.q || caps.ask === false || activeFilters().length) { show(box, false); return; }
    if (ask.key === state.q) { if (ask.body) drawAnswer(ask.body); return; }
    ask.key = state.q;
    ask.body = null;
    show(box, false);
    if (ask.ctl) ask.ctl.abort();
    ask.ctl = window.AbortController ? new AbortController() : null;
    var q = state.q;
    api('/api/ask', { q: q }, ask.ctl ? ask.ctl.signal : undefined).then(function (body) {
      if (ask.key !== q) return;
      ask.body = body;
      if (state.view === 'search' && state.q === q) drawAnswer(body);
    }, function (err) {
      if (err.aborted) return;
      if (err.missingRoute) caps.ask = false;
      if (ask.key === q) ask.key = null;
      show(box, false);       // no answer box is the quiet fallback: the results are still there
    });
  }

  function yearText(year, inferred) {
    if (!year) return '';
    return inferred ? '期末 ' + year + ' 年' : year + ' 年';
  }


  // the direction word before a value, unless the value writes its own (不低于80%, 下降15%, ≥90%)
  var OWN_BOUND = /^(不低于|不少于|不高于|不超过|不多于|至少|最少|最多|低于|高于|少于|多于|下降|降低|提高|增加|减少|增长|≥|≤|<|>|＜|＞)/;
  function directionBefore(v) {
    return v.direction && !OWN_BOUND.test(v.value) && v.value.indexOf(v.direction) !== 0 ? v.direction + ' ' : '';
  }
  function drawAnswer(body) {
    var box = $('answer');
    if (!body || body.no_answer || body.answer_type === 'none' || !body.answer) { show(box, false); return; }
    var text = $('answer-text');
    var out = clear($('answer-body'));
    if (body.answer_type === 'value' && body.values && body.values.length) {
      $('answer-heading').textContent = '答案';
      text.textContent = body.answer;
      show(text, true);
      var rows = body.values.map(function (v) {
        return el('tr', null, [
          el('td', { text: planLabel(v.plan_id) }), el('td', { text: v.indicator }),
          el('td', null, [directionBefore(v), el('strong', { text: v.value }),
            v.implausible ? el('span', { class: 'implausible', text: '⚠ 数值存疑，请核对原文' }) : null]),
          el('td', { text: yearText(v.year, v.year_inferred) }),
          el('td', null, v.passage_id ? contextButton(v.passage_id, '查看原文', planLabel(v.plan_id) + ' ' + v.indicator) : ''),
        ]);
      });
      append(out, el('div', { class: 'table-wrap' }, el('table', null, [
        el('thead', null, el('tr', null, ['规划', '指标', '目标值', '年份', '原文'].map(function (h) {
          return el('th', { scope: 'col', text: h });
        }))),
        el('tbody', null, rows)])));
    } else if (body.groups && body.groups.length) {
      // grouped: one line per plan with its matching items; the long prose folds away
      $('answer-heading').textContent = '各地规划中的相关条目';
      show(text, false);
      var FIRST = 3;
      var list = el('ul', { class: 'answer-groups' }, body.groups.map(function (g, gi) {
        return el('li', { class: 'answer-group', 'data-plan': g.plan_id, hidden: gi >= FIRST }, [
          el('strong', { class: 'answer-plan', title: g.plan_title, text: planLabel(g.plan_id) + '：' }),
          (g.items || []).map(function (item, i) {
            return el('span', { class: 'answer-item' }, [i ? '；' : '', kindBadge(item.kind),
              contextButton(item.passage_id, item.title || '查看原文', g.plan_title, 'value-link')]);
          })]);
      }));
      append(out, list);
      if (body.groups.length > FIRST) {
        append(out, el('button', { type: 'button', class: 'btn btn-small btn-link answer-all',
          text: '显示全部 ' + body.groups.length + ' 个规划',
          onclick: function (e) {
            Array.prototype.forEach.call(list.children, function (li) { li.hidden = false; });
            e.currentTarget.hidden = true;
            list.children[FIRST].querySelector('a').focus();
          } }));
      }
      append(out, el('details', { class: 'answer-prose' }, [el('summary', { text: '文字版（便于复制）' }),
        el('p', { text: body.answer })]));
    } else {
      $('answer-heading').textContent = '答案';
      text.textContent = body.answer;
      show(text, true);
    }
    show(box, true);
  }

  // ---------------------------------------------------------------- the search view
  function searchKey() {
    return JSON.stringify([state.q, state.plan, state.region, state.domain, state.kind]);
  }

  function renderSearch() {
    var msg = $('message');
    renderActiveFilters();
    if (!state.q) {
      if (searchCtl) searchCtl.abort();
      search = { key: null, id: ++searchSeq, results: [], facets: null, done: true, error: null, loading: false };
      clear($('results')).removeAttribute('data-search');
      clear($('facets'));
      show($('toolbar'), false);
      show($('more'), false);
      show($('more-end'), false);
      showFacets(false);
      emptyHint(msg);
      setStatus('');
      return;
    }
    var key = searchKey();
    if (key === search.key && !search.error && !search.loading) { drawSearch(); return; }
    search = { key: key, id: ++searchSeq, results: [], facets: null, done: false, error: null, loading: true, noAnswer: false };
    fetchPage(0);
  }

  function fetchPage(offset) {
    if (searchCtl) searchCtl.abort();
    searchCtl = window.AbortController ? new AbortController() : null;
    var key = search.key;
    var params = { q: state.q, k: PAGE, offset: offset };
    FILTERS.forEach(function (f) { params[f] = state[f]; });
    search.loading = true;
    drawSearch();
    api('/api/search', params, searchCtl ? searchCtl.signal : undefined).then(function (body) {
      if (key !== search.key) return;
      var firstNew = search.results.length;
      var seen = {};
      search.results.forEach(function (h) { seen[h.passage_id] = true; });
      (body.results || []).forEach(function (h) { if (!seen[h.passage_id]) search.results.push(h); });
      if (offset === 0 || !search.facets) search.facets = body.facets || null;
      if (offset === 0) search.noAnswer = body.no_answer === true;
      search.done = (body.results || []).length < PAGE || offset + PAGE > MAX_OFFSET;
      search.loading = false;
      search.tookMs = body.took_ms;
      drawSearch(offset > 0 ? firstNew : -1);
    }, function (err) {
      if (err.aborted || key !== search.key) return;
      search.loading = false;
      if (offset > 0) { search.done = false; search.pageError = err; drawSearch(); return; }
      search.error = err;
      drawSearch();
    });
  }

  function drawSearch(focusIndex) {
    var msg = $('message');
    var list = $('results');
    var terms = queryTerms(state.q);
    list.setAttribute('aria-busy', search.loading ? 'true' : 'false');
    showFacets(!!search.facets && !search.error);
    renderFacets();

    if (search.error) {
      clear(list); list.removeAttribute('data-search');
      errorMessage(msg, search.error, '检索');
      setStatus('检索出错：' + search.error.detail);
      show($('more'), false); show($('more-end'), false); show($('toolbar'), false);
      return;
    }
    if (search.loading && !search.results.length) {
      clear(list); list.removeAttribute('data-search');
      message(msg, 'loading', '正在检索…', ['请稍候。']);
      setStatus('正在检索“' + state.q + '”…');
      show($('more'), false); show($('more-end'), false);
      return;
    }
    if (!search.results.length) {
      clear(list); list.removeAttribute('data-search');
      var actions = activeFilters().length ? [clearFiltersButton()] : [];
      message(msg, 'empty', '没有找到相关内容', ['没有找到相关内容，请换个说法或去掉筛选条件。'], actions);
      setStatus('没有找到与“' + state.q + '”相关的内容');
      show($('more'), false); show($('more-end'), false); show($('toolbar'), false);
      return;
    }
    if (search.noAnswer) {
      message(msg, 'empty', '相关内容可能不多', ['以下结果与问题的相关度可能不高，可以换个说法或用更具体的关键词再试。']);
    } else if (search.pageError) {
      errorMessage(msg, search.pageError, '加载更多');
      search.pageError = null;
    } else {
      show(msg, false);
    }
    // draw only the results not yet in the list (the list is rebuilt when it belongs to another search)
    if (list.getAttribute('data-search') !== String(search.id)) { clear(list); list.setAttribute('data-search', String(search.id)); }
    for (var i = list.children.length; i < search.results.length; i++) {
      list.appendChild(hitNode(search.results[i], terms));
    }
    var n = search.results.length;
    var filterText = activeFilters().map(function (f) {
      return FILTER_LABELS[f] + '“' + filterValueLabel(f, state[f]) + '”';
    }).join('、');
    setStatus((search.loading ? '正在加载更多… ' : '') + '“' + state.q + '”：已显示 ' + n + ' 条结果' +
      (filterText ? '（已按' + filterText + '筛选）' : '') + (search.done ? '，已全部显示' : '') + '。');
    show($('more'), !search.done);
    $('more').disabled = !!search.loading;
    $('more').textContent = search.loading ? '正在加载…' : '加载更多';
    show($('more-end'), search.done && n > PAGE);
    updateExport();
    if (focusIndex >= 0 && list.children[focusIndex]) {
      var heading = list.children[focusIndex].querySelector('.hit-title');
      if (heading) heading.focus();
    }
  }

  function hitNode(h, terms) {
    var heading = passageHeading(h);
    var isSelected = selected.indexOf(h.passage_id) >= 0;
    var box = el('input', {
      type: 'checkbox', class: 'hit-select', 'aria-label': '选择此条用于导出：' + h.plan_title + ' ' + heading,
      onchange: function (e) { toggleSelected(h.passage_id, e.target.checked, li); },
    });
    box.checked = isSelected;
    var meta = el('p', { class: 'hit-meta' }, [
      kindBadge(h.kind),
      el('span', { class: 'hit-plan', text: h.plan_title }),
      el('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }),
      el('span', { class: 'hit-region', text: h.region }),
      h.domain ? el('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }) : null,
      h.domain ? el('span', { class: 'hit-domain', text: h.domain }) : null,
    ]);
    var title = el('h3', { class: 'hit-title', tabindex: '-1' });
    title.appendChild(h.title ? highlight(h.title, terms) : document.createTextNode(heading));
    var text = el('p', { class: 'hit-text' });
    text.appendChild(highlight(h.text, terms));
    var li = el('li', {
      class: 'hit' + (isSelected ? ' selected' : ''), 'data-passage': h.passage_id, 'data-plan': h.plan_id,
      'data-domain': h.domain || '', 'data-kind': h.kind,
    }, [
      el('div', { class: 'hit-head' }, [box, el('div', { class: 'hit-headtext' }, [meta, title])]),
      text,
      el('div', { class: 'hit-foot' }, [
        sourceNode('hit-source', h.source),
        contextButton(h.passage_id, '查看上下文', h.plan_title + ' ' + heading),
      ]),
    ]);
    return li;
  }

  /** Opens a passage in context. A button, or with cls 'value-link' an inline link that wraps with the text
   *  (its href is the passage's JSON, so it still leads somewhere without the script). */
  function contextButton(id, label, about, cls) {
    var open = function (e) { e.preventDefault(); openContext(id, e.currentTarget); };
    if (cls === 'value-link') {
      return el('a', { class: 'value-link', href: '/api/passages/' + encodeURIComponent(id), text: label,
        'aria-label': label + '：' + about, 'aria-haspopup': 'dialog', onclick: open });
    }
    return el('button', {
      type: 'button', class: cls || 'btn btn-small ctx-open', text: label, 'aria-label': label + '：' + about,
      'aria-haspopup': 'dialog', onclick: open,
    });
  }

  function renderActiveFilters() {
    var box = clear($('active-filters'));
    var active = activeFilters();
    $('facets-active-count').textContent = active.length ? '（已选 ' + active.length + ' 项）' : '';
    if (!active.length) { show(box, false); return; }
    append(box, el('span', { class: 'muted', text: '已筛选：' }));
    active.forEach(function (f) {
      var label = FILTER_LABELS[f] + '：' + filterValueLabel(f, state[f]);
      var change = {};
      change[f] = '';
      append(box, el('button', { type: 'button', class: 'chip', 'aria-label': '去掉筛选条件 ' + label,
        onclick: function () { navigate(change); } }, [label, ' ×']));
    });
    if (active.length > 1) append(box, clearFiltersButton());
    show(box, true);
  }

  function showFacets(visible) {
    show($('facets-box'), visible);
    $('layout').classList.toggle('no-facets', !visible);
  }

  function renderFacets() {
    var root = clear($('facets'));
    var facets = search.facets;
    if (!facets) return;
    [['plan', '规划'], ['domain', '领域'], ['kind', '类型']].forEach(function (pair) {
      var field = pair[0];
      var counts = Object.assign({}, facets[field] || {});
      if (state[field] && !(state[field] in counts)) counts[state[field]] = 0;
      var names = Object.keys(counts);
      if (!names.length) return;
      var headingId = 'facet-' + field;
      var items = names.map(function (name) {
        var active = state[field] === name;
        var label = filterValueLabel(field, name);
        var change = {};
        change[field] = active ? '' : name;
        return el('li', null, el('button', {
          type: 'button', class: 'facet', 'data-field': field, 'data-value': name,
          'aria-pressed': active ? 'true' : 'false',
          'aria-label': pair[1] + '：' + label + '，' + counts[name] + ' 条' + (active ? '（已选，再按一次取消）' : ''),
          title: field === 'plan' && plans[name] ? plans[name].title : null,
          onclick: function () { navigate(change); },
        }, [el('span', { class: 'facet-name', text: label }), el('span', { class: 'facet-count', text: String(counts[name]) })]));
      });
      append(root, el('div', { class: 'facet-group', role: 'group', 'aria-labelledby': headingId }, [
        el('h3', { id: headingId, text: pair[1] }), el('ul', { class: 'facet-list' }, items)]));
    });
    append(root, el('p', { class: 'facet-note', text: '数字为最相关的前 50 条内容中的条数。再按一次已选条件即可取消。' }));
  }

  // ---------------------------------------------------------------- selection and export
  function toggleSelected(id, on, li) {
    var at = selected.indexOf(id);
    if (on && at < 0) selected.push(id);
    if (!on && at >= 0) selected.splice(at, 1);
    if (li) li.classList.toggle('selected', on);
    updateExport();
  }

  function exportHref(params, format) {
    return '/api/export?' + queryString(Object.assign({}, params, { format: format }));
  }

  /** Search view: the ticked passages (ids=…), or with none ticked the comparison of the query (q=…). */
  function updateExport() {
    var box = $('export');
    if (caps.export === false || !(state.q || selected.length)) { show(box, false); show($('toolbar'), false); return; }
    var params = selected.length ? { ids: selected.join(',') } : { q: state.q };
    var label = selected.length ? '导出所选 ' + selected.length + ' 条：' : '导出“' + state.q + '”的各地对比：';
    $('export-label').textContent = label;
    $('export-md').href = exportHref(params, 'md');
    $('export-docx').href = exportHref(params, 'docx');
    $('export-md').setAttribute('aria-label', label + '下载 Markdown 文件');
    $('export-docx').setAttribute('aria-label', label + '下载 Word 文件');
    show($('export-clear'), selected.length > 0);
    show(box, true);
    show($('toolbar'), true);
  }

  function updateCompareExport(visible) {
    var box = $('compare-export');
    if (caps.export === false || !visible || !state.q) { show(box, false); return; }
    $('compare-export-md').href = exportHref({ q: state.q }, 'md');
    $('compare-export-docx').href = exportHref({ q: state.q }, 'docx');
    show(box, true);
  }

  // ---------------------------------------------------------------- the context dialog
  var ctx = { trigger: null, id: null, prev: null, next: null, seq: 0 };

  function openContext(id, trigger) {
    var dialog = $('context');
    ctx.trigger = trigger || document.activeElement;
    if (!dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    loadContext(id);
  }

  function closeContext() {
    var dialog = $('context');
    if (!dialog.open) return;
    if (typeof dialog.close === 'function') dialog.close();
    else { dialog.removeAttribute('open'); onContextClosed(); }
  }

  function onContextClosed() {
    if (ctx.trigger && document.body.contains(ctx.trigger)) ctx.trigger.focus();
    ctx.trigger = null;
  }

  function loadContext(id) {
    var seq = ++ctx.seq;
    var body = clear($('context-body'));
    $('context-heading').textContent = '上下文';
    $('context-meta').textContent = '';
    append(body, el('p', { class: 'muted', text: '正在载入上下文…' }));
    $('context-prev').disabled = true;
    $('context-next').disabled = true;
    $('context-heading').focus();
    api('/api/passages/' + encodeURIComponent(id)).then(function (p) {
      var n = p.neighbours || {};
      var side = function (pid) { return pid ? api('/api/passages/' + encodeURIComponent(pid)).catch(function () { return null; }) : null; };
      return Promise.all([side(n.previous), p, side(n.next)]);
    }).then(function (three) {
      if (seq !== ctx.seq) return;
      drawContext(three[0], three[1], three[2]);
    }, function (err) {
      if (seq !== ctx.seq) return;
      clear(body);
      append(body, el('div', { class: 'message error', role: 'alert' }, [
        el('h2', { text: '无法载入上下文' }), el('p', { text: err.detail || '' }),
        el('p', { text: '请关闭后重试；如果问题持续存在，请联系系统管理员。' })]));
    });
  }

  function drawContext(prev, cur, next) {
    var terms = queryTerms(state.q);
    ctx.id = cur.passage_id;
    ctx.prev = cur.neighbours ? cur.neighbours.previous : null;
    ctx.next = cur.neighbours ? cur.neighbours.next : null;
    $('context-heading').textContent = cur.plan_title;
    $('context-meta').textContent = [cur.region, cur.chapter, cur.domain].filter(Boolean).join(' · ');
    var body = clear($('context-body'));
    var part = function (p, label, current) {
      var text = el('p');
      text.appendChild(current ? highlight(p.text, terms) : document.createTextNode(p.text));
      return el('section', {
        class: 'ctx-passage' + (current ? ' current' : ''), 'data-passage': p.passage_id,
        'aria-current': current ? 'true' : null, 'aria-label': label + '：' + passageHeading(p),
      }, [
        el('div', { class: 'ctx-label', text: label }),
        el('h3', null, [kindBadge(p.kind), passageHeading(p)]),
        text,
        sourceNode('ctx-source', p.source),
      ]);
    };
    if (prev) append(body, part(prev, '上一条', false));
    else append(body, el('p', { class: 'muted', text: '（本条是该规划的第一段）' }));
    append(body, part(cur, '本条', true));
    if (next) append(body, part(next, '下一条', false));
    else append(body, el('p', { class: 'muted', text: '（本条是该规划的最后一段）' }));
    $('context-prev').disabled = !ctx.prev;
    $('context-next').disabled = !ctx.next;
  }

  // ---------------------------------------------------------------- the compare view
  var compare = { key: null, ctl: null };

  function unavailable(box, what, route) {
    message(box, 'empty', what + '功能暂不可用', [
      '服务暂未提供' + what + '接口（' + route + '），' + what + '视图暂不可用。',
      '请先使用“检索结果”查看各地的相关内容。'],
    [el('button', { type: 'button', class: 'btn btn-small', text: '回到检索结果',
      onclick: function () { navigate({ view: 'search' }); } })]);
  }

  function renderCompare() {
    var box = $('compare-message');
    var out = $('compare');
    if (compare.key !== state.q) { updateCompareExport(false); show($('compare-scroll-hint'), false); }
    if (caps.compare === false) { clear(out); unavailable(box, '对比', '/api/compare'); setStatus('对比功能暂不可用'); return; }
    if (!state.q) {
      clear(out); compare.key = null;
      message(box, 'empty', '请输入要对比的内容', ['在上方输入一个问题，例如“预防儿童溺水”，即可并排查看各地规划的写法。']);
      setStatus('');
      return;
    }
    if (compare.key === state.q) return;
    compare.key = state.q;
    clear(out);
    message(box, 'loading', '正在对比…', ['请稍候。']);
    setStatus('正在对比各地规划…');
    if (compare.ctl) compare.ctl.abort();
    compare.ctl = window.AbortController ? new AbortController() : null;
    var q = state.q;
    api('/api/compare', { q: q }, compare.ctl ? compare.ctl.signal : undefined).then(function (body) {
      if (compare.key !== q) return;
      drawCompare(body);
    }, function (err) {
      if (err.aborted || compare.key !== q) return;
      compare.key = null;
      if (err.missingRoute) { caps.compare = false; renderCompare(); return; }
      errorMessage(box, err, '对比');
      setStatus('对比出错：' + err.detail);
    });
  }

  function drawCompare(body) {
    var box = $('compare-message');
    var out = clear($('compare'));
    var cols = (body && body.plans) || [];
    if (!cols.length) {
      message(box, 'empty', '没有可对比的内容', ['没有找到相关内容，请换个说法再试。']);
      setStatus('没有可对比的内容');
      return;
    }
    show(box, false);
    updateCompareExport(true);
    var terms = queryTerms(state.q);
    cols.forEach(function (plan, i) {
      var headingId = 'compare-col-' + i;
      var passages = (plan.passages || []).map(function (p) {
        var text = el('p');
        if (p.segments && p.segments.length) {
          p.segments.forEach(function (seg) {
            text.appendChild(seg.status === 'added' ? el('mark', { class: 'added', title: '本规划特有的说法' }, seg.text)
              : document.createTextNode(seg.text));
          });
        } else {
          text.appendChild(highlight(p.text, terms));
        }
        var missing = (p.missing || []).length ? el('div', { class: 'missing' }, [
          el('strong', { text: '本规划未提及：' }),
          el('ul', null, p.missing.map(function (m) { return el('li', { text: m }); }))]) : null;
        return el('div', { class: 'compare-passage' + (p.shared ? ' shared' : ''), 'data-passage': p.passage_id }, [
          el('h4', null, [kindBadge(p.kind), p.shared ? el('span', { class: 'badge badge-shared', text: '共同内容' }) : null,
            passageHeading(p)]),
          text, missing,
          contextButton(p.passage_id, '查看上下文', (plan.plan_title || '') + ' ' + passageHeading(p), 'value-link'),
        ]);
      });
      append(out, el('section', { class: 'compare-col', 'aria-labelledby': headingId, 'data-plan': plan.plan_id }, [
        el('h3', { id: headingId, text: plan.plan_title }),
        el('p', { class: 'region', text: plan.region || '' }),
        passages.length ? passages : el('p', { class: 'muted', text: '本规划没有相关内容。' })]));
    });
    var scrolls = out.scrollWidth > out.clientWidth + 1;
    show($('compare-scroll-hint'), scrolls);
    setStatus('“' + state.q + '”：对比 ' + cols.length + ' 个规划' + (scrolls ? '，可左右滚动查看全部' : '') + '。');
  }

  // ---------------------------------------------------------------- the indicators view
  var indicators = { list: null, loading: false, shown: 20, targets: {}, queue: [], running: 0 };

  function renderIndicators() {
    var box = $('indicators-message');
    var out = $('indicators');
    if (caps.indicators === false) { clear(out); show($('indicators-more'), false); unavailable(box, '指标', '/api/indicators'); setStatus('指标功能暂不可用'); return; }
    if (!indicators.list) {
      if (indicators.loading) return;
      indicators.loading = true;
      clear(out);
      message(box, 'loading', '正在载入指标…', ['请稍候。']);
      api('/api/indicators').then(function (body) {
        indicators.loading = false;
        indicators.list = ((body && body.indicators) || []).slice().sort(function (a, b) { return (b.plans || 0) - (a.plans || 0); });
        if (state.view === 'indicators') renderIndicators();
      }, function (err) {
        indicators.loading = false;
        if (err.missingRoute) caps.indicators = false;
        if (state.view !== 'indicators') return;
        if (err.missingRoute) renderIndicators();
        else errorMessage(box, err, '载入指标');
      });
      return;
    }
    drawIndicators();
  }

  function drawIndicators() {
    var box = $('indicators-message');
    var out = clear($('indicators'));
    var filter = $('indicator-filter').value.trim();
    var terms = queryTerms(state.q);
    var score = function (name) { return terms.filter(function (t) { return name.indexOf(t) >= 0; }).length; };
    var list = indicators.list.filter(function (ind) { return !filter || ind.name.indexOf(filter) >= 0; })
      .map(function (ind, i) { return { ind: ind, score: score(ind.name), i: i }; })
      .sort(function (a, b) { return b.score - a.score || a.i - b.i; })
      .map(function (x) { return x.ind; });
    if (!list.length) {
      message(box, 'empty', '没有找到指标', [filter ? '没有名称包含“' + filter + '”的指标，请换个词。' : '服务没有提供指标。']);
      show($('indicators-more'), false);
      setStatus('没有找到指标');
      return;
    }
    show(box, false);
    var rows = list.slice(0, indicators.shown);
    var ids = planOrder.length ? planOrder : [];
    var head = el('tr', null, [el('th', { scope: 'col', text: '指标' })].concat(ids.map(function (id) {
      return el('th', { scope: 'col', title: plans[id] ? plans[id].title : null, text: planLabel(id) });
    })));
    var body = el('tbody', null, rows.map(function (ind) {
      var cells = ids.map(function (id) { return el('td', { class: 'cell-empty', 'data-plan': id, text: '…' }); });
      var tr = el('tr', { 'data-indicator': ind.name }, [el('th', { scope: 'row', text: ind.name })].concat(cells));
      loadTargets(ind.name, function (data) { fillRow(tr, ids, data); });
      return tr;
    }));
    append(out, el('table', null, [el('caption', { class: 'muted', text: '指标 × 规划（共 ' + list.length + ' 个指标）' }),
      el('thead', null, head), body]));
    show($('indicators-more'), list.length > rows.length);
    setStatus('显示 ' + rows.length + ' / ' + list.length + ' 个指标。');
  }

  function loadTargets(name, done) {
    if (indicators.targets[name]) { done(indicators.targets[name]); return; }
    indicators.queue.push({ name: name, done: done });
    pumpTargets();
  }

  function pumpTargets() {
    while (indicators.running < 3 && indicators.queue.length) {
      (function (job) {
        indicators.running++;
        api('/api/targets', { indicator: job.name }).then(function (body) {
          indicators.targets[job.name] = body || { rows: [] };
          job.done(indicators.targets[job.name]);
        }, function (err) {
          job.done({ rows: [], error: err });
        }).then(function () { indicators.running--; pumpTargets(); });
      })(indicators.queue.shift());
    }
  }

  function fillRow(tr, ids, data) {
    var byPlan = {};
    (data.rows || []).forEach(function (row) {
      // the same value from the text and from the summary table is shown once, linked to the text
      var list = byPlan[row.plan_id] = byPlan[row.plan_id] || [];
      var same = list.filter(function (r) { return r.value === row.value && r.year === row.year; })[0];
      if (!same) list.push(row);
      else if (!same.passage_id && row.passage_id) list[list.indexOf(same)] = row;
      else if (row.implausible) same.implausible = true;
    });
    ids.forEach(function (id, i) {
      var td = clear(tr.children[i + 1]);
      var rows = byPlan[id] || [];
      if (!rows.length) {
        td.className = 'cell-empty';
        td.textContent = data.error ? '载入出错' : '—';
        td.setAttribute('aria-label', data.error ? '载入出错' : '未设定');
        return;
      }
      td.className = '';
      td.removeAttribute('aria-label');
      rows.forEach(function (row) {
        var value = (row.direction && row.value.indexOf(row.direction) !== 0 ? row.direction + ' ' : '') + row.value;
        var when = yearText(row.year, row.year_inferred);
        var about = planLabel(id) + ' ' + (data.indicator || tr.getAttribute('data-indicator'));
        append(td, el('div', { class: 'target' }, [
          row.passage_id ? contextButton(row.passage_id, value, about, 'value-link')
            : el('span', { text: value, title: row.table_line ? '见指标表第 ' + row.table_line + ' 行' : null }),
          when ? el('span', { class: 'muted target-year', text: '（' + when + '）' }) : null,
          row.in_measure ? el('span', { class: 'muted target-where', text: '（见策略措施）' }) : null,
          row.implausible ? el('span', { class: 'implausible', text: '⚠ 数值存疑，请核对原文' }) : null]));
      });
    });
  }

  // ---------------------------------------------------------------- start-up
  function loadPlans() {
    return api('/api/plans').then(function (body) {
      (body.plans || []).forEach(function (p) { plans[p.id] = p; planOrder.push(p.id); });
    }, function () { /* facets fall back to plan titles from the results */ });
  }

  function loadCaps() {
    // which of the planned routes exist; without the schema each is tried and a 404 hides it
    return api('/openapi.json').then(function (schema) {
      var paths = (schema && schema.paths) || {};
      caps.ask = '/api/ask' in paths;
      caps.compare = '/api/compare' in paths;
      caps.indicators = '/api/indicators' in paths && '/api/targets' in paths;
      caps.export = '/api/export' in paths;
    }, function () { /* unknown: try and see */ });
  }

  function bind() {
    $('search-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var q = $('q').value.trim();
      var view = state.view === 'indicators' ? 'search' : state.view;
      if (q === state.q && view === state.view) {     // the same search again: run it afresh
        forget();
        render();
        return;
      }
      navigate({ q: q, view: view });
    });
    Array.prototype.forEach.call(document.querySelectorAll('.view-tab'), function (tab) {
      tab.addEventListener('click', function () { navigate({ view: tab.getAttribute('data-view') }); });
    });
    $('more').addEventListener('click', function () {
      if (!search.loading && !search.done) fetchPage(search.results.length);
    });
    $('export-clear').addEventListener('click', function () {
      selected = [];
      Array.prototype.forEach.call(document.querySelectorAll('.hit-select'), function (box) { box.checked = false; });
      Array.prototype.forEach.call(document.querySelectorAll('.hit.selected'), function (li) { li.classList.remove('selected'); });
      updateExport();
    });
    $('home-link').addEventListener('click', function (e) {
      e.preventDefault();
      var changes = { q: '', view: 'search' };
      FILTERS.forEach(function (f) { changes[f] = ''; });
      navigate(changes);
      $('q').focus();
    });
    var dialog = $('context');
    $('context-close').addEventListener('click', closeContext);
    $('context-prev').addEventListener('click', function () { if (ctx.prev) loadContext(ctx.prev); });
    $('context-next').addEventListener('click', function () { if (ctx.next) loadContext(ctx.next); });
    dialog.addEventListener('close', onContextClosed);
    dialog.addEventListener('click', function (e) { if (e.target === dialog) closeContext(); });   // backdrop
    dialog.addEventListener('keydown', function (e) {
      if ((e.key === 'Escape' || e.key === 'Esc') && typeof dialog.showModal !== 'function') closeContext();
    });
    var filterTimer = null;
    $('indicator-filter').addEventListener('input', function () {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(function () { indicators.shown = 20; if (indicators.list) drawIndicators(); }, 200);
    });
    $('indicators-more').addEventListener('click', function () { indicators.shown += 20; drawIndicators(); });
    // facets fold away on narrow screens, stay open on wide ones
    if (window.matchMedia) {
      var narrow = window.matchMedia('(max-width: 820px)');
      var fold = function () { $('facets-box').open = !narrow.matches; };
      fold();
      if (narrow.addEventListener) narrow.addEventListener('change', fold);
      else if (narrow.addListener) narrow.addListener(fold);
    }
  }

  function bindUpload() {
    $('upload-form').addEventListener('submit', submitUpload);
    $('review-plan').addEventListener('change', function (e) { navigate({ plan: e.target.value }); });
  }

  function start() {
    if (!window.fetch || !window.Promise || !window.URLSearchParams || !Object.assign || !window.history.pushState) {
      message($('message'), 'error', '浏览器版本过旧',
        ['本页面需要较新的浏览器。请改用新版 Edge、Chrome、Firefox，或将 360 等浏览器切换到“极速模式”后再打开本页。']);
      return;
    }
    bind();
    bindUpload();
    $('q').value = state.q;
    if (!state.q) $('q').focus();
    Promise.all([loadPlans(), loadCaps()]).then(render, render).then(function () { window.plansearch.ready = true; });
  }

  // exposed for the browser tests and for debugging in the console
  window.plansearch = { queryTerms: queryTerms, ready: false };     // ready: plans and routes loaded, first drawing done

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
