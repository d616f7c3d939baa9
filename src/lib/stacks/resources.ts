/** The resources a bundled template declares, read without asking AWS. */
import type { StackTemplate } from './templates.js';

/** One resource of a template. */
export interface TemplateResource {
  logicalId: string;
  type: string;
  /** `Retain` or `RetainExceptOnCreate`: the resource outlives its stack. */
  deletionPolicy?: string;
  /** The template condition that decides whether the resource exists. */
  condition?: string;
}

/** The resources of a template, in template order. */
export function templateResources(template: Pick<StackTemplate, 'document'>): TemplateResource[] {
  const resources = template.document.Resources;
  if (typeof resources !== 'object' || resources === null) return [];
  return Object.entries(resources as Record<string, unknown>).map(([logicalId, spec]) => {
    const record = (typeof spec === 'object' && spec !== null ? spec : {}) as Record<string, unknown>;
    return {
      logicalId,
      type: typeof record.Type === 'string' ? record.Type : 'Unknown',
      ...(typeof record.DeletionPolicy === 'string' ? { deletionPolicy: record.DeletionPolicy } : {}),
      ...(typeof record.Condition === 'string' ? { condition: record.Condition } : {}),
    };
  });
}

/** True for deletion policies that keep the resource when its stack is deleted. */
export function isRetained(resource: TemplateResource): boolean {
  return resource.deletionPolicy === 'Retain' || resource.deletionPolicy === 'RetainExceptOnCreate';
}
