// docs/configuration.md cannot drift from the code: its table lists exactly the variables of the
// configuration schemas (serviceASettings and serviceBSettings), each for the service that reads
// it and with the default the schema describes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Setting } from '@kafka-http/common';
import { serviceASettings } from '../../service-a/src/config';
import { serviceBSettings } from '../../service-b/src/config';

const root = path.join(__dirname, '..', '..');
const file = path.join(root, 'docs', 'configuration.md');

const services = ['service-a', 'service-b'] as const;
type Service = (typeof services)[number];
const schemas: Record<Service, Record<string, Setting<unknown>>> = {
  'service-a': serviceASettings,
  'service-b': serviceBSettings,
};

/** One variable as the table documents it: for which services, with which default in each. */
interface Documented {
  row: number;
  defaults: Partial<Record<Service, string>>;
}

/** `a`, `service-a`, `b`, `service-b` or `both`, as the Service column writes them. */
function servicesOf(cell: string): Service[] {
  const name = cell.trim().toLowerCase();
  if (name === 'both') return ['service-a', 'service-b'];
  if (name === 'a' || name === 'service-a') return ['service-a'];
  if (name === 'b' || name === 'service-b') return ['service-b'];
  throw new Error(`unknown service "${cell}"`);
}

/** A cell's alternatives: "`x` / `y`" is ["x", "y"]. */
function alternatives(cell: string): string[] {
  return cell.split(' / ').map((part) => part.trim().replace(/^`(.*)`$/, '$1'));
}

/** The rows of the first table after the `| Variable` header, by variable name. */
function parseTable(markdown: string): Map<string, Documented> {
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => /^\|\s*Variable\s*\|/.test(line));
  if (header < 0) throw new Error(`${file} has no table starting with "| Variable |"`);
  const documented = new Map<string, Documented>();
  for (let i = header + 2; i < lines.length && lines[i]?.startsWith('|'); i++) {
    const line = lines[i] ?? '';
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    if (cells.length !== 4) throw new Error(`line ${i + 1}: expected 4 cells, got: ${line}`);
    const [variableCell = '', defaultCell = '', serviceCell = ''] = cells;
    const names = [...variableCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1] ?? '');
    if (names.length === 0) throw new Error(`line ${i + 1}: no variable name in: ${line}`);
    const defaults = alternatives(defaultCell);
    const serviceParts = alternatives(serviceCell);
    names.forEach((name, n) => {
      if (documented.has(name)) throw new Error(`line ${i + 1}: ${name} is listed twice`);
      // Two variables in a row: each has its own default and service, in the same order.
      const own = names.length > 1;
      const serviceNames = servicesOf((own ? serviceParts[n] : serviceParts.join(' / ')) ?? '');
      const entry: Documented = { row: i + 1, defaults: {} };
      serviceNames.forEach((service, s) => {
        // One variable with "x / y" defaults on both services: service-a's first, service-b's second.
        const value = own ? defaults[n] : defaults.length > 1 ? defaults[s] : defaults[0];
        entry.defaults[service] = value ?? '';
      });
      documented.set(name, entry);
    });
  }
  return documented;
}

/** A schema's default as the table writes it: a path relative to the repository, "(empty)". */
function shownDefault(setting: Setting<unknown>): string {
  const value = setting.describeDefault;
  if (value === '') return '(empty)';
  if (path.isAbsolute(value) && value.startsWith(root)) {
    return path.relative(root, value).split(path.sep).join('/');
  }
  return value;
}

const documented = parseTable(readFileSync(file, 'utf8'));
const variables = [
  ...new Set([...Object.keys(serviceASettings), ...Object.keys(serviceBSettings)]),
].sort();

describe('docs/configuration.md', () => {
  it('lists every variable of the configuration schemas, and nothing else', () => {
    expect([...documented.keys()].sort()).toEqual(variables);
  });

  it('documents each variable for the services that read it', () => {
    const wrong = variables.flatMap((name) => {
      const entry = documented.get(name);
      if (!entry) return [];
      const readBy = services.filter((service) => name in schemas[service]).join(' and ');
      const shown = Object.keys(entry.defaults).sort().join(' and ');
      return shown === readBy
        ? []
        : [`line ${entry.row}: ${name} is read by ${readBy}, not ${shown}`];
    });
    expect(wrong).toEqual([]);
  });

  it('documents the default each schema describes', () => {
    const wrong = variables.flatMap((name) => {
      const entry = documented.get(name);
      if (!entry) return [];
      return services.flatMap((service) => {
        const setting = schemas[service][name];
        if (!setting) return [];
        const expected = shownDefault(setting);
        const shown = entry.defaults[service];
        return shown === expected || shown === undefined
          ? []
          : [`line ${entry.row}: ${name} defaults to "${expected}" in ${service}, not "${shown}"`];
      });
    });
    expect(wrong).toEqual([]);
  });
});
