/**
 * Expected outputs recorded from PyYAML 6.0.3 (`yaml.safe_dump_all(value)`
 * and `yaml.safe_dump(value)` with defaults), the dumper Deckhand uses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { deckhandYamlDump, resolvesAsString, safeDump, safeDumpAll } from "./pyyaml-dump.js";

const RECORDED: { in: unknown[]; all: string; one: string }[] = [
 {
  "in": [],
  "all": "",
  "one": "[]\n"
 },
 {
  "in": [
   {}
  ],
  "all": "{}\n",
  "one": "- {}\n"
 },
 {
  "in": [
   []
  ],
  "all": "[]\n",
  "one": "- []\n"
 },
 {
  "in": [
   ""
  ],
  "all": "''\n",
  "one": "- ''\n"
 },
 {
  "in": [
   "abc"
  ],
  "all": "abc\n...\n",
  "one": "- abc\n"
 },
 {
  "in": [
   "a",
   "b"
  ],
  "all": "a\n--- b\n...\n",
  "one": "- a\n- b\n"
 },
 {
  "in": [
   1,
   2.5,
   null,
   true
  ],
  "all": "1\n--- 2.5\n--- null\n--- true\n...\n",
  "one": "- 1\n- 2.5\n- null\n- true\n"
 },
 {
  "in": [
   {
    "a": 1
   }
  ],
  "all": "a: 1\n",
  "one": "- a: 1\n"
 },
 {
  "in": [
   {
    "b": [
     1,
     2,
     {
      "x": "y",
      "a": [
       []
      ]
     }
    ],
    "a": {}
   }
  ],
  "all": "a: {}\nb:\n- 1\n- 2\n- a:\n  - []\n  x: y\n",
  "one": "- a: {}\n  b:\n  - 1\n  - 2\n  - a:\n    - []\n    x: y\n"
 },
 {
  "in": [
   [
    [
     1,
     2
    ],
    [
     3
    ]
   ]
  ],
  "all": "- - 1\n  - 2\n- - 3\n",
  "one": "- - - 1\n    - 2\n  - - 3\n"
 },
 {
  "in": [
   {
    "k": [
     {
      "a": 1,
      "b": 2
     },
     [
      1
     ],
     "x"
    ]
   }
  ],
  "all": "k:\n- a: 1\n  b: 2\n- - 1\n- x\n",
  "one": "- k:\n  - a: 1\n    b: 2\n  - - 1\n  - x\n"
 },
 {
  "in": [
   {
    "s": "yes",
    "t": "0644",
    "u": "1e3",
    "v": "2019-01-01",
    "w": "null",
    "x": "~",
    "y": "",
    "z": "=",
    "m": "<<",
    "n": "1_000",
    "o": ".5",
    "p": "1:20",
    "q": "0x1F",
    "r": "True"
   }
  ],
  "all": "m: '<<'\nn: '1_000'\no: '.5'\np: '1:20'\nq: '0x1F'\nr: 'True'\ns: 'yes'\nt: '0644'\nu: 1e3\nv: '2019-01-01'\nw: 'null'\nx: '~'\ny: ''\nz: '='\n",
  "one": "- m: '<<'\n  n: '1_000'\n  o: '.5'\n  p: '1:20'\n  q: '0x1F'\n  r: 'True'\n  s: 'yes'\n  t: '0644'\n  u: 1e3\n  v: '2019-01-01'\n  w: 'null'\n  x: '~'\n  y: ''\n  z: '='\n"
 },
 {
  "in": [
   {
    "multi": "line one\nline two\n",
    "tab": "a\tb",
    "uni": "café ☃",
    "quote": "it's",
    "dq": "say \"hi\"",
    "colon": "a: b",
    "hash": "a #b",
    "lead": " x",
    "trail": "x ",
    "dash": "- x",
    "q2": "? x",
    "star": "*x",
    "amp": "&x",
    "bang": "!x",
    "pct": "%x",
    "at": "@x",
    "bt": "`x",
    "brace": "{x",
    "comma": "a,b",
    "docs": "---x",
    "dots": "...x",
    "url": "http://a:b@c:80/v1"
   }
  ],
  "all": "amp: '&x'\nat: '@x'\nbang: '!x'\nbrace: '{x'\nbt: '`x'\ncolon: 'a: b'\ncomma: a,b\ndash: '- x'\ndocs: '---x'\ndots: '...x'\ndq: say \"hi\"\nhash: 'a #b'\nlead: ' x'\nmulti: 'line one\n\n  line two\n\n  '\npct: '%x'\nq2: '? x'\nquote: it's\nstar: '*x'\ntab: \"a\\tb\"\ntrail: 'x '\nuni: \"caf\\xE9 \\u2603\"\nurl: http://a:b@c:80/v1\n",
  "one": "- amp: '&x'\n  at: '@x'\n  bang: '!x'\n  brace: '{x'\n  bt: '`x'\n  colon: 'a: b'\n  comma: a,b\n  dash: '- x'\n  docs: '---x'\n  dots: '...x'\n  dq: say \"hi\"\n  hash: 'a #b'\n  lead: ' x'\n  multi: 'line one\n\n    line two\n\n    '\n  pct: '%x'\n  q2: '? x'\n  quote: it's\n  star: '*x'\n  tab: \"a\\tb\"\n  trail: 'x '\n  uni: \"caf\\xE9 \\u2603\"\n  url: http://a:b@c:80/v1\n"
 },
 {
  "in": [
   {
    "long": "word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word ",
    "longq": "it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's",
    "longd": "tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there tab\there",
    "nospace": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
   }
  ],
  "all": "long: 'word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word word word\n  word word word word word word word word word '\nlongd: \"tab\\there tab\\there tab\\there tab\\there tab\\there tab\\there tab\\there tab\\t\\\n  here tab\\there tab\\there tab\\there tab\\there tab\\there tab\\there tab\\there tab\\t\\\n  here tab\\there tab\\there tab\\there tab\\there\"\nlongq: it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's\n  it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's\nnospace: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
  "one": "- long: 'word word word word word word word word word word word word word word word\n    word word word word word word word word word word word word word word word word\n    word word word word word word word word word '\n  longd: \"tab\\there tab\\there tab\\there tab\\there tab\\there tab\\there tab\\there tab\\t\\\n    here tab\\there tab\\there tab\\there tab\\there tab\\there tab\\there tab\\there tab\\t\\\n    here tab\\there tab\\there tab\\there tab\\there\"\n  longq: it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's\n    it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's\n  nospace: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
 },
 {
  "in": [
   {
    "cert": "-----BEGIN CERTIFICATE-----\nMIID8jCCAtqgAwIBAgIUGBQX+WolO9GAclbqwB4/zgUKdLQwDQYJKoZIhvcNAQEL\nBQAwKjETMBEGA1UEChMKS3ViZXJuZXRlczETMBEGA1UEAxMKa3ViZXJuZXRlczAe\n-----END CERTIFICATE-----\n"
   }
  ],
  "all": "cert: '-----BEGIN CERTIFICATE-----\n\n  MIID8jCCAtqgAwIBAgIUGBQX+WolO9GAclbqwB4/zgUKdLQwDQYJKoZIhvcNAQEL\n\n  BQAwKjETMBEGA1UEChMKS3ViZXJuZXRlczETMBEGA1UEAxMKa3ViZXJuZXRlczAe\n\n  -----END CERTIFICATE-----\n\n  '\n",
  "one": "- cert: '-----BEGIN CERTIFICATE-----\n\n    MIID8jCCAtqgAwIBAgIUGBQX+WolO9GAclbqwB4/zgUKdLQwDQYJKoZIhvcNAQEL\n\n    BQAwKjETMBEGA1UEChMKS3ViZXJuZXRlczETMBEGA1UEAxMKa3ViZXJuZXRlczAe\n\n    -----END CERTIFICATE-----\n\n    '\n"
 },
 {
  "in": [
   {
    "('example/Kind/v1', 'doc-a')": {
     "data_changed": {
      "values_changed": {
       "root['value']": {
        "old_value": 1,
        "new_value": 2
       }
      }
     },
     "metadata_changed": {}
    }
   }
  ],
  "all": "('example/Kind/v1', 'doc-a'):\n  data_changed:\n    values_changed:\n      root['value']:\n        new_value: 2\n        old_value: 1\n  metadata_changed: {}\n",
  "one": "- ('example/Kind/v1', 'doc-a'):\n    data_changed:\n      values_changed:\n        root['value']:\n          new_value: 2\n          old_value: 1\n    metadata_changed: {}\n"
 },
 {
  "in": [
   {
    "": 1,
    "a\nb": 2,
    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk": 3
   }
  ],
  "all": "? ''\n: 1\n? 'a\n\n  b'\n: 2\n? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: 3\n",
  "one": "- ? ''\n  : 1\n  ? 'a\n\n    b'\n  : 2\n  ? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : 3\n"
 },
 {
  "in": [
   100000000000000000000,
   0.00001,
   0.1,
   123.456,
   10000000000000000
  ],
  "all": "1.0e+20\n--- 1.0e-05\n--- 0.1\n--- 123.456\n--- 1.0e+16\n...\n",
  "one": "- 1.0e+20\n- 1.0e-05\n- 0.1\n- 123.456\n- 1.0e+16\n"
 },
 {
  "in": [
   {
    "a": "x\n\ny",
    "b": "\nlead",
    "c": "trail\n\n",
    "d": " \n",
    "e": "a \nb",
    "f": "a\n b"
   }
  ],
  "all": "a: 'x\n\n\n  y'\nb: '\n\n  lead'\nc: 'trail\n\n\n  '\nd: \" \\n\"\ne: \"a \\nb\"\nf: \"a\\n b\"\n",
  "one": "- a: 'x\n\n\n    y'\n  b: '\n\n    lead'\n  c: 'trail\n\n\n    '\n  d: \" \\n\"\n  e: \"a \\nb\"\n  f: \"a\\n b\"\n"
 },
 {
  "in": [
   {
    "nested": {
     "deep": {
      "deeper": [
       "a",
       {
        "b": [
         "c",
         [
          "d",
          "e"
         ],
         {}
        ]
       }
      ]
     }
    }
   }
  ],
  "all": "nested:\n  deep:\n    deeper:\n    - a\n    - b:\n      - c\n      - - d\n        - e\n      - {}\n",
  "one": "- nested:\n    deep:\n      deeper:\n      - a\n      - b:\n        - c\n        - - d\n          - e\n        - {}\n"
 },
 {
  "in": [
   "--- x",
   "a b c",
   {
    "x": null
   }
  ],
  "all": "'--- x'\n--- a b c\n---\nx: null\n",
  "one": "- '--- x'\n- a b c\n- x: null\n"
 },
 {
  "in": [
   {
    "k": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyy z"
   }
  ],
  "all": "k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyy\n  z\n",
  "one": "- k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyy\n    z\n"
 },
 {
  "in": [
   {
    "zh": "你好",
    "emoji": "😀",
    "bom": "﻿",
    "nbsp": "a b",
    "ctl": "\u0001"
   }
  ],
  "all": "bom: \"\\uFEFF\"\nctl: \"\\x01\\x7F\\N\"\nemoji: \"\\U0001F600\"\nnbsp: \"a\\_b\"\nzh: \"\\u4F60\\u597D\"\n",
  "one": "- bom: \"\\uFEFF\"\n  ctl: \"\\x01\\x7F\\N\"\n  emoji: \"\\U0001F600\"\n  nbsp: \"a\\_b\"\n  zh: \"\\u4F60\\u597D\"\n"
 }
];

for (const [i, c] of RECORDED.entries()) {
  test(`safe_dump_all and safe_dump match PyYAML, case ${i}: ${JSON.stringify(c.in).slice(0, 60)}`, () => {
    assert.equal(safeDumpAll(c.in), c.all);
    assert.equal(safeDump(c.in), c.one);
  });
}

test("infinities and NaN use YAML 1.1 spellings", () => {
  assert.equal(safeDumpAll([Infinity, -Infinity, NaN]), ".inf\n--- -.inf\n--- .nan\n...\n");
});

test("strings PyYAML would read as something else are not plain", () => {
  for (const s of ["yes", "Off", "0644", "0x1f", "1_000", "1:20", "2019-01-01", "~", "", "=", "<<", "3.", ".5", "1.5e+3", "null\n"]) {
    assert.equal(resolvesAsString(s), false, s);
  }
  for (const s of ["1e3", "y", "n", "abc", "1.5e3x", "0.1.2", "v1", "2019-1-1"]) assert.equal(resolvesAsString(s), true, s);
});

test("deckhandYamlDump: a list is a stream, anything else one document", () => {
  assert.equal(deckhandYamlDump([{ a: 1 }, { b: 2 }]), "a: 1\n---\nb: 2\n");
  assert.equal(deckhandYamlDump({ a: [1] }), "a:\n- 1\n");
  assert.equal(deckhandYamlDump([]), "");
});

test('a key of 123 characters or more is written as a complex key (PyYAML counts its !!str tag)', () => {
  assert.equal(safeDump({ ['k'.repeat(122)]: 1 }), `${'k'.repeat(122)}: 1\n`);
  assert.equal(safeDump({ ['k'.repeat(123)]: 1 }), `? ${'k'.repeat(123)}\n: 1\n`);
});
