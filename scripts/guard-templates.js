// Runs AWS Control Tower's proactive cfn-guard rules (shipped with cfn-guard itself in
// @cdklabs/cdk-validator-cfnguard) on every template. Guard reads a template as data and resolves
// no intrinsic function, so each template is first instantiated with its parameter defaults: Refs
// to parameters become their default (or a sample value where there is none), Fn::If takes the
// branch its condition picks with those values, and AWS::NoValue disappears. A finding fails the
// lint unless scripts/guard-suppressions.json lists its rule for that resource, with why it does
// not apply.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseDocument } from 'yaml';

/** Sample values for parameters without a default: the shapes the catalog wires in. */
const SAMPLES = {
  'AWS::EC2::VPC::Id': 'vpc-0123456789abcdef0',
  'AWS::EC2::SecurityGroup::Id': 'sg-0123456789abcdef0',
  'List<AWS::EC2::Subnet::Id>': ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  CommaDelimitedList: ['/*'],
  Number: 1,
};

const SHORT_TAGS = [
  'Ref',
  'Sub',
  'GetAtt',
  'If',
  'Select',
  'Split',
  'Join',
  'Equals',
  'Not',
  'And',
  'Or',
  'GetAZs',
  'Base64',
  'FindInMap',
  'ImportValue',
  'Condition',
  'Cidr',
];

function customTags() {
  return SHORT_TAGS.flatMap((name) => {
    const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    const make = (value) => ({
      [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value,
    });
    return [
      { tag: `!${name}`, resolve: (value) => make(value) },
      { tag: `!${name}`, collection: 'seq', resolve: (seq) => make(seq.toJSON()) },
      { tag: `!${name}`, collection: 'map', resolve: (map) => make(map.toJSON()) },
    ];
  });
}

const NO_VALUE = Symbol('NoValue');

function instantiate(template) {
  const params = Object.fromEntries(
    Object.entries(template.Parameters ?? {}).map(([key, p]) => {
      if (p.Default !== undefined) {
        const value =
          p.Type === 'CommaDelimitedList' || p.Type?.startsWith('List<')
            ? String(p.Default).split(',')
            : p.Default;
        return [key, value];
      }
      if (p.AllowedValues) return [key, p.AllowedValues[0]];
      return [key, SAMPLES[p.Type] ?? (key === 'EnvName' ? 'dev' : `sample-${key.toLowerCase()}`)];
    }),
  );
  const conditions = {};
  const evalCondition = (name) => {
    if (!(name in conditions)) conditions[name] = Boolean(resolve(template.Conditions[name]));
    return conditions[name];
  };
  function resolve(node) {
    if (Array.isArray(node)) return node.map(resolve).filter((v) => v !== NO_VALUE);
    if (!node || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const [k] = keys;
      const v = node[k];
      if (k === 'Ref') {
        if (v === 'AWS::NoValue') return NO_VALUE;
        if (v in params) return params[v];
        return node;
      }
      if (k === 'Fn::If') return resolve(evalCondition(v[0]) ? v[1] : v[2]);
      if (k === 'Fn::Equals') return String(resolve(v[0])) === String(resolve(v[1]));
      if (k === 'Fn::Not') return !resolve(v[0]);
      if (k === 'Fn::And') return v.every((c) => resolve(c));
      if (k === 'Fn::Or') return v.some((c) => resolve(c));
      if (k === 'Condition') return evalCondition(v);
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      const value = resolve(v);
      if (value !== NO_VALUE) out[k] = value;
    }
    return out;
  }
  const resources = {};
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Condition && !evalCondition(resource.Condition)) continue;
    resources[id] = resolve(resource);
  }
  return { ...template, Parameters: undefined, Conditions: undefined, Resources: resources };
}

/** Guard's findings for the templates, minus the suppressed ones; returns the number that fail. */
export function guardTemplates(root, templates) {
  const pkg = join(root, 'node_modules', '@cdklabs', 'cdk-validator-cfnguard');
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  const binary = join(pkg, 'bin', process.platform === 'darwin' ? 'macos' : 'ubuntu', arch, 'cfn-guard');
  const rules = join(pkg, 'rules', 'control-tower', 'cfn-guard');
  if (!existsSync(binary)) {
    console.error('lint-templates: cfn-guard not found (npm install adds @cdklabs/cdk-validator-cfnguard)');
    return 1;
  }
  const suppressions = JSON.parse(readFileSync(join(root, 'scripts', 'guard-suppressions.json'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'ecspoc-guard-'));
  let failing = 0;
  const used = new Set();
  try {
    for (const file of templates) {
      const doc = parseDocument(readFileSync(join(root, file), 'utf8'), { customTags: customTags() });
      const data = join(dir, basename(file).replace(/\.ya?ml$/, '.json'));
      writeFileSync(data, JSON.stringify(instantiate(doc.toJSON())));
      const result = spawnSync(
        binary,
        [
          'validate',
          '--rules',
          rules,
          '--data',
          data,
          '--output-format',
          'json',
          '--show-summary',
          'none',
          '--structured',
        ],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      if (result.status !== 0 && result.status !== 19) {
        console.error(`lint-templates: cfn-guard failed on ${file}: ${result.stderr || result.stdout}`);
        failing += 1;
        continue;
      }
      for (const finding of findings(JSON.parse(result.stdout || '[]'))) {
        const key = `${basename(file)}:${finding.resource}:${finding.rule}`;
        const entry = suppressions.find(
          (s) => s.template === basename(file) && s.resource === finding.resource && s.rule === finding.rule,
        );
        if (entry && entry.why) {
          used.add(key);
          continue;
        }
        console.log(`${file}:${finding.resource}: guard ${finding.rule}: ${finding.message}`);
        failing += 1;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const s of suppressions) {
    if (!s.why) {
      console.error(`lint-templates: suppression ${s.template}:${s.resource}:${s.rule} gives no reason`);
      failing += 1;
    } else if (!used.has(`${s.template}:${s.resource}:${s.rule}`)) {
      console.error(
        `lint-templates: suppression ${s.template}:${s.resource}:${s.rule} matches no finding; remove it`,
      );
      failing += 1;
    }
  }
  return failing;
}

/** (rule, resource, message) of every non-compliant rule and resource in guard's structured JSON. */
function findings(reports) {
  const out = new Map();
  for (const report of [reports].flat()) {
    for (const item of report.not_compliant ?? []) {
      const rule = item.Rule?.name ?? 'unknown';
      const text = JSON.stringify(item);
      const control = (text.match(/\[(CT\.[A-Z0-9.]+)\]: ([^\\]*)/) ?? []).slice(1).join(': ');
      const resources = new Set([...text.matchAll(/\/Resources\/([A-Za-z0-9]+)/g)].map((m) => m[1]));
      if (resources.size === 0) resources.add('?');
      for (const resource of resources) out.set(`${rule}|${resource}`, { rule, resource, message: control });
    }
  }
  return [...out.values()];
}
