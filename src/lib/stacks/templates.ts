/**
 * The bundled CloudFormation templates: where they are (next to the package, whatever the working
 * directory), their text, and what they declare (parameters, outputs), parsed with CloudFormation's
 * short-form intrinsics (`!Ref`, `!Sub`…) turned into their long form.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CollectionTag, ScalarTag } from 'yaml';

import { OperationError } from '../errors.js';
import type { ServiceOverlay } from './catalog.js';

/** One parameter a template declares. */
export interface TemplateParameter {
  key: string;
  type: string;
  description?: string;
  /** The template's default, as CloudFormation would pass it; undefined when the parameter has none. */
  default?: string;
  allowedValues?: string[];
  noEcho: boolean;
}

/** A template file, read and parsed. */
export interface StackTemplate {
  /** File name inside the templates directory, e.g. `network.yml`. */
  file: string;
  path: string;
  body: string;
  /** Size of the body in bytes; CloudFormation takes at most 51,200 inline, more through S3. */
  sizeBytes: number;
  parameters: TemplateParameter[];
  outputs: string[];
  /** The whole template in CloudFormation's JSON form. */
  document: Record<string, unknown>;
}

/** Largest template body CloudFormation accepts inline; larger ones must come from S3 (TemplateURL). */
export const MAX_INLINE_TEMPLATE_BYTES = 51_200;

/** The templates directory of the installed package: `<package>/templates`, from this module's location. */
export function templatesDirectory(): string {
  // src/lib/stacks (sources, tests) and dist/lib/stacks (build) are both three levels below the package.
  return fileURLToPath(new URL('../../../templates/', import.meta.url));
}

/** Reads and parses one template of the bundle (or of `directory`). */
export async function readTemplate(
  file: string,
  directory: string = templatesDirectory(),
): Promise<StackTemplate> {
  const path = join(directory, file);
  let body: string;
  try {
    body = await readFile(path, 'utf8');
  } catch (error) {
    throw new OperationError('TEMPLATE_MISSING', `Template ${file} cannot be read at ${path}.`, {
      cause: error,
      suggestions: ['Reinstall ecspoc: the templates directory ships with the package.'],
    });
  }
  return parseTemplate(file, path, body);
}

/**
 * Reads each distinct template of the given components once, keyed by file name; a declared
 * service's template is rendered from its overlay's base template under its own key.
 */
export async function readTemplates(
  components: readonly { template: string; overlay?: ServiceOverlay }[],
  directory: string = templatesDirectory(),
): Promise<Map<string, StackTemplate>> {
  const files = [...new Set(components.map((component) => component.overlay?.base ?? component.template))];
  const templates = await Promise.all(files.map((file) => readTemplate(file, directory)));
  const byFile = new Map(templates.map((template) => [template.file, template]));
  const { renderServiceTemplate } = await import('./service-template.js');
  for (const component of components) {
    if (!component.overlay) continue;
    const base = byFile.get(component.overlay.base)!;
    byFile.set(component.template, await renderServiceTemplate(base, component.template, component.overlay));
  }
  return byFile;
}

/** Parses a template body (YAML with short-form intrinsics, or JSON) and lists its parameters and outputs. */
export async function parseTemplate(file: string, path: string, body: string): Promise<StackTemplate> {
  const { parse } = await import('yaml');
  let document: unknown;
  try {
    document = parse(body, { customTags: intrinsicTags(), uniqueKeys: true });
  } catch (error) {
    throw new OperationError(
      'TEMPLATE_INVALID',
      `Template ${file} is not valid YAML: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (!isRecord(document) || !isRecord(document.Resources)) {
    throw new OperationError('TEMPLATE_INVALID', `Template ${file} has no Resources section.`);
  }
  const parameters = Object.entries(isRecord(document.Parameters) ? document.Parameters : {}).map(
    ([key, declaration]): TemplateParameter => {
      const spec = isRecord(declaration) ? declaration : {};
      return {
        key,
        type: String(spec.Type ?? 'String'),
        ...(spec.Description === undefined ? {} : { description: String(spec.Description) }),
        ...(spec.Default === undefined ? {} : { default: String(spec.Default) }),
        ...(Array.isArray(spec.AllowedValues) ? { allowedValues: spec.AllowedValues.map(String) } : {}),
        noEcho: String(spec.NoEcho).toLowerCase() === 'true',
      };
    },
  );
  const outputs = Object.keys(isRecord(document.Outputs) ? document.Outputs : {});
  return { file, path, body, sizeBytes: Buffer.byteLength(body, 'utf8'), parameters, outputs, document };
}

/** Short-form intrinsic → long form, e.g. `!Sub` → `Fn::Sub`. */
const INTRINSICS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  FindInMap: 'Fn::FindInMap',
  GetAtt: 'Fn::GetAtt',
  GetAZs: 'Fn::GetAZs',
  ImportValue: 'Fn::ImportValue',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  Sub: 'Fn::Sub',
  Transform: 'Fn::Transform',
  And: 'Fn::And',
  Equals: 'Fn::Equals',
  If: 'Fn::If',
  Not: 'Fn::Not',
  Or: 'Fn::Or',
  ToJsonString: 'Fn::ToJsonString',
  Length: 'Fn::Length',
};

function intrinsicTags(): (ScalarTag | CollectionTag)[] {
  return Object.entries(INTRINSICS).flatMap(([short, long]): (ScalarTag | CollectionTag)[] => [
    {
      tag: `!${short}`,
      // `!GetAtt Resource.Attribute` is the one scalar form with structure.
      resolve: (value: string) => ({ [long]: short === 'GetAtt' ? splitGetAtt(value) : value }),
    },
    { tag: `!${short}`, collection: 'seq', resolve: (node) => ({ [long]: node.toJSON() }) },
    { tag: `!${short}`, collection: 'map', resolve: (node) => ({ [long]: node.toJSON() }) },
  ]);
}

function splitGetAtt(value: string): string[] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
