import cytoscape from 'cytoscape';
import { useEffect, useRef } from 'preact/hooks';
import type { Nsr } from './pages/ns-list';
import type { Vnfr } from './ns-model';

/**
 * The NS as a graph: one compound box per VIM and, inside it, per PoP (zone); VNFs inside the PoP of their VDUs,
 * VDUs inside their VNF, connection points on the VDUs, virtual links between. Loaded on demand (Cytoscape is the
 * largest part of the UI). Hovering (or focusing) a VNF shows why it was placed there.
 */
export default function Topology({ ns, vnfrs, vimNames }: { ns: Nsr; vnfrs: Vnfr[]; vimNames: Record<string, string> }) {
  const box = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    preventInlineStylesheet();
    const elements = graph(ns, vnfrs, vimNames);
    const cy = cytoscape({
      container: box.current,
      elements,
      layout: { name: 'cose', animate: false, padding: 20, nodeDimensionsIncludeLabels: true },
      wheelSensitivity: 0.3,
      style: [
        {
          selector: 'node',
          style: {
            label: 'data(label)',
            'font-size': 11,
            'text-valign': 'bottom',
            'text-margin-y': 3,
            // labels stay readable where a link crosses them
            'text-background-color': '#ffffff',
            'text-background-opacity': 0.85,
            'text-background-padding': '2px',
          },
        },
        {
          selector: 'node.vim',
          style: {
            shape: 'round-rectangle',
            'background-color': '#eef3fb',
            'border-color': '#3b6fb6',
            'border-width': 2,
            'text-valign': 'top',
            'font-weight': 'bold',
          },
        },
        {
          selector: 'node.pop',
          style: {
            shape: 'round-rectangle',
            'background-color': '#f7faf3',
            'border-color': '#5b8c2a',
            'border-width': 1,
            'text-valign': 'top',
          },
        },
        {
          selector: 'node.vnf',
          style: {
            shape: 'round-rectangle',
            'background-color': '#fff8ec',
            'border-color': '#c07a12',
            'border-width': 1,
            'text-valign': 'top',
          },
        },
        { selector: 'node.vdu', style: { shape: 'rectangle', 'background-color': '#c07a12', width: 34, height: 24 } },
        { selector: 'node.cp', style: { shape: 'ellipse', 'background-color': '#555', width: 10, height: 10, 'font-size': 9 } },
        { selector: 'node.vl', style: { shape: 'diamond', 'background-color': '#3b6fb6', width: 22, height: 22 } },
        { selector: 'edge', style: { width: 1.5, 'line-color': '#888', 'curve-style': 'bezier' } },
      ],
    });
    const show = (text: string | undefined, x: number, y: number) => {
      if (!tip.current) return;
      tip.current.hidden = !text;
      tip.current.textContent = text ?? '';
      tip.current.style.left = `${x + 12}px`;
      tip.current.style.top = `${y + 12}px`;
    };
    cy.on('mouseover', 'node', (e) =>
      show(e.target.data('tip') as string | undefined, e.renderedPosition.x, e.renderedPosition.y),
    );
    cy.on('mouseout', 'node', () => show(undefined, 0, 0));
    return () => cy.destroy();
  }, [ns, vnfrs, vimNames]);
  return (
    <div class="topology-wrap">
      <div ref={box} class="topology" role="img" aria-label="Topology graph; the list after it says the same in words" />
      <div ref={tip} class="tip" hidden />
      <ul class="sr-only" aria-label="Topology in words">
        {describe(ns, vnfrs, vimNames).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </div>
  );
}

/**
 * Cytoscape adds a <style> element to the page (its container's `position: relative`) unless an element with its
 * id exists; the CSP forbids inline styles, so a placeholder takes the id and styles.css carries the rule.
 */
function preventInlineStylesheet(): void {
  const id = '__________cytoscape_stylesheet';
  if (document.getElementById(id)) return;
  const marker = document.createElement('meta');
  marker.id = id;
  document.head.appendChild(marker);
}

/** The graph for screen readers (and tests): one line per VDU, with where it runs and why. */
function describe(ns: Nsr, vnfrs: Vnfr[], vimNames: Record<string, string>): string[] {
  return vnfrs.flatMap((v) =>
    v.vdur.map((d) => {
      const vim = d['vim-account-id'] ?? v['vim-account-id'] ?? '';
      const reason = ns.placement?.[v['member-vnf-index-ref']]?.reason;
      const links = (d.interfaces ?? []).map((i) => `${i.name}${i['ns-vld-id'] ? ` on VL ${i['ns-vld-id']}` : ''}`).join(', ');
      return `VDU ${d['vdu-id-ref']}-${d['count-index']} of VNF ${v['member-vnf-index-ref']} in PoP ${d.zone ?? 'default'} of VIM ${vimNames[vim] ?? vim}${links ? `; ${links}` : ''}${reason ? `; placed because ${reason}` : ''}`;
    }),
  );
}

type El = cytoscape.ElementDefinition;

function graph(ns: Nsr, vnfrs: Vnfr[], vimNames: Record<string, string>): El[] {
  const els: El[] = [];
  const seen = new Set<string>();
  const node = (id: string, label: string, cls: string, parent?: string, tip?: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    els.push({ data: { id, label, parent, tip }, classes: cls });
  };
  for (const vl of ns.vld ?? [])
    node(
      `vl:${vl.id}`,
      `VL ${vl.id}`,
      'vl',
      undefined,
      `virtual link ${vl.id}${vl['vim-network-name'] ? ` on ${vl['vim-network-name']}` : ''}`,
    );
  for (const v of vnfrs) {
    const member = v['member-vnf-index-ref'];
    const placed = ns.placement?.[member];
    const reason = placed?.reason ?? (placed?.strategy ? `placed by ${placed.strategy}` : 'no placement explanation recorded');
    for (const vdu of v.vdur) {
      const vim = vdu['vim-account-id'] ?? v['vim-account-id'] ?? 'unknown';
      const zone = vdu.zone ?? 'default';
      const vimId = `vim:${vim}`;
      const popId = `pop:${vim}:${zone}`;
      // a VNF's VDUs may sit in different PoPs: one VNF box per PoP it uses
      const vnfId = `vnf:${member}:${popId}`;
      node(vimId, `VIM ${vimNames[vim] ?? vim}`, 'vim');
      node(popId, `PoP ${zone}`, 'pop', vimId);
      node(
        vnfId,
        `VNF ${member} (${v['vnfd-ref']})`,
        'vnf',
        popId,
        `VNF ${member} on ${vimNames[vim] ?? vim} / ${zone}: ${reason}`,
      );
      const vduNode = `vdu:${vdu.name}`;
      node(
        vduNode,
        `VDU ${vdu['vdu-id-ref']}-${vdu['count-index']}`,
        'vdu',
        vnfId,
        `${vdu.name} ${vdu.status ?? ''} ${vdu['ip-address'] ?? ''} on PoP ${zone}`,
      );
      for (const i of vdu.interfaces ?? []) {
        const cp = `cp:${vdu.name}:${i.name}`;
        node(cp, i.name, 'cp', vnfId, `${i.name} ${i['ip-address'] ?? ''}`);
        els.push({ data: { id: `e:${vduNode}:${cp}`, source: vduNode, target: cp } });
        const vl = i['ns-vld-id'];
        if (vl) {
          node(`vl:${vl}`, `VL ${vl}`, 'vl');
          els.push({ data: { id: `e:${cp}:${vl}`, source: cp, target: `vl:${vl}` } });
        }
      }
    }
  }
  return els;
}
