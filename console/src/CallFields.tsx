import type { RenderedField } from "../../src/client/render.js";

/** A decoded call's named fields (the SDK's rendering), as the batch and proposal views both show them. */
export function CallFields({ fields }: { fields: RenderedField[] }) {
  return (
    <dl className="fields">
      {fields.map((f) => (
        <div key={f.name}>
          <dt>{f.name}</dt>
          <dd className="mono">{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}
