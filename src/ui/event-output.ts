import { styleText } from 'node:util';

import type { ClusterEvent } from '../lib/events/index.js';
import { colourEnabled } from './terminal.js';

type Colour = Parameters<typeof styleText>[0];
const KIND_COLOURS: Record<ClusterEvent['kind'], Colour> = {
  'task-stopped': 'red',
  deploy: 'magenta',
  instance: 'yellow',
  task: 'cyan',
  other: 'gray',
};

/** Colours each event's kind label on a terminal (alerts stand out); undefined when colour is off. */
export function kindPainter(
  stream: NodeJS.WriteStream,
): ((label: string, event: ClusterEvent) => string) | undefined {
  if (!colourEnabled(stream)) return undefined;
  return (label, event) => styleText(KIND_COLOURS[event.kind], label);
}
