// How a TypeBox schema maps onto XML, for the SOAP codec (convert.ts). One schema per action
// serves OCPP 1.5 JSON and SOAP alike; the few XML-only facts are options on the schema:
//
// - a property is a child element with the property's name, in the schema's property order
//   (XSD sequences are ordered);
// - an array property is that element repeated (maxOccurs="unbounded");
// - `{ xml: 'attribute' }` on a property: an attribute of the parent element;
// - `{ xml: 'text' }` on a property: the text content of the parent element (the 1.5 MeterValue
//   `value` element carries the reading as text and its context, unit… as attributes);
// - integers, numbers and booleans are read from text strictly; a text that is not one is a
//   type violation, answered with a SOAP fault.

export type XmlRole = 'element' | 'attribute' | 'text';

export const xmlAttribute = { xml: 'attribute' } as const;
export const xmlText = { xml: 'text' } as const;

export function xmlRole(schema: { xml?: unknown }): XmlRole {
  return schema.xml === 'attribute' || schema.xml === 'text' ? schema.xml : 'element';
}
