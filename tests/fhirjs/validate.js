#!/usr/bin/env node
/*
 * Validate FHIR R4 JSON resources with FHIR.js (npm "fhir", Lantana Consulting Group, ISC),
 * a second validator that neuroroot does not control.
 *
 * Usage:
 *   node validate.js < resources.json        a JSON array of resources (or one resource) on stdin
 *   node validate.js a.json b.json ...       files, each holding one resource or an array
 *
 * FHIR.js checks, per resource and recursively into contained and Bundle entry resources:
 * element names (unexpected properties are errors here: errorOnUnexpected), cardinality
 * (missing required elements, arrays), some primitive formats (boolean, integer, decimal, id,
 * code; its date/dateTime patterns are lax, "2020-13-45" passes, and instant is not checked),
 * Reference target types, and codes against bound value sets ("required" bindings are errors,
 * weaker bindings warnings). It does not evaluate invariants (FHIRPath constraints). The other
 * validators of the suite (tests/validation.py) cover dates and instants.
 *
 * Output (stdout): one JSON document
 *   {"validator": "fhir@<version>", "count": N, "errors": E,
 *    "results": [{"index": i, "resourceType": "...", "id": "...", "valid": bool,
 *                 "messages": [{"severity": "error"|"fatal"|"warning"|"info",
 *                               "location": "...", "message": "..."}]}]}
 * Exit status: 0 when no resource has an error or fatal message, 1 when some has, 2 when the
 * input could not be read at all (then stdout holds {"error": "..."}).
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { Fhir } = require('fhir');

const OPTIONS = { errorOnUnexpected: true };
const FAILING = new Set(['error', 'fatal']);

function readInput(argv) {
  const texts = argv.length
    ? argv.map((file) => fs.readFileSync(path.resolve(file), 'utf8'))
    : [fs.readFileSync(0, 'utf8')];
  const resources = [];
  for (const text of texts) {
    const parsed = JSON.parse(text);
    if (Array.isArray(parsed)) {
      resources.push(...parsed);
    } else {
      resources.push(parsed);
    }
  }
  return resources;
}

function validateAll(resources) {
  const fhir = new Fhir();
  const results = resources.map((resource, index) => {
    const isObject = resource !== null && typeof resource === 'object' && !Array.isArray(resource);
    const response = isObject
      ? fhir.validate(resource, OPTIONS)
      : { valid: false, messages: [{ severity: 'fatal', location: '', message: 'not a JSON object' }] };
    const messages = (response.messages || []).map((m) => ({
      severity: m.severity,
      location: m.location || '',
      message: m.message || '',
    }));
    const failed = messages.some((m) => FAILING.has(m.severity));
    return {
      index,
      resourceType: isObject ? resource.resourceType || null : null,
      id: isObject ? resource.id || null : null,
      valid: Boolean(response.valid) && !failed,
      messages,
    };
  });
  return results;
}

function main() {
  let resources;
  try {
    resources = readInput(process.argv.slice(2));
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: `cannot read input: ${error.message}` }) + '\n');
    return 2;
  }
  const results = validateAll(resources);
  const version = require('fhir/package.json').version;
  const errors = results.filter((r) => !r.valid).length;
  const report = { validator: `fhir@${version}`, count: results.length, errors, results };
  process.stdout.write(JSON.stringify(report) + '\n');
  return errors ? 1 : 0;
}

process.exitCode = main();
