#!/usr/bin/env node
// Entry point of the `fairway` binary.
console.log('fairway');
