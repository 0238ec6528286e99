// The standard library's Beagle sources, imported as text so that
// `bun build --compile` embeds them in single-file executables.
// Add each new stdlib file here.
import std from "./std.bg" with { type: "text" };
import effect from "./beagle.effect.bg" with { type: "text" };
import fs from "./beagle.fs.bg" with { type: "text" };
import io from "./beagle.io.bg" with { type: "text" };
import timer from "./beagle.timer.bg" with { type: "text" };
import async from "./beagle.async.bg" with { type: "text" };
import processBg from "./beagle.process.bg" with { type: "text" };
// beagle.* modules written in Beagle (issue 14, part 2)
import text from "./beagle.text.bg" with { type: "text" };
import json from "./beagle.json.bg" with { type: "text" };
// TCP and UDP (issue 10)
import socket from "./beagle.socket.bg" with { type: "text" };
import udp from "./beagle.udp.bg" with { type: "text" };
import iter from "./beagle.iter.bg" with { type: "text" };
import path from "./beagle.path.bg" with { type: "text" };
import url from "./beagle.url.bg" with { type: "text" };
import base64 from "./beagle.base64.bg" with { type: "text" };
import hex from "./beagle.hex.bg" with { type: "text" };
import containers from "./beagle.containers.bg" with { type: "text" };
import bail from "./beagle.bail.bg" with { type: "text" };
import stats from "./beagle.stats.bg" with { type: "text" };
import mathx from "./beagle.mathx.bg" with { type: "text" };
import ansi from "./beagle.ansi.bg" with { type: "text" };
import priorityqueue from "./beagle.priorityqueue.bg" with { type: "text" };
import csv from "./beagle.csv.bg" with { type: "text" };
import ini from "./beagle.ini.bg" with { type: "text" };
import textwrap from "./beagle.textwrap.bg" with { type: "text" };
import semver from "./beagle.semver.bg" with { type: "text" };
import ip from "./beagle.ip.bg" with { type: "text" };
import date from "./beagle.date.bg" with { type: "text" };
import log from "./beagle.log.bg" with { type: "text" };
import test from "./beagle.test.bg" with { type: "text" };
import glob from "./beagle.glob.bg" with { type: "text" };
import hash from "./beagle.hash.bg" with { type: "text" };
import structPack from "./beagle.struct-pack.bg" with { type: "text" };
import template from "./beagle.template.bg" with { type: "text" };
import cli from "./beagle.cli.bg" with { type: "text" };
import spawn from "./beagle.spawn.bg" with { type: "text" };
import stream from "./beagle.stream.bg" with { type: "text" };
import channel from "./beagle.channel.bg" with { type: "text" };
import testAsync from "./beagle.test-async.bg" with { type: "text" };

import http from "./beagle.http.bg" with { type: "text" };
import ws from "./beagle.ws.bg" with { type: "text" };
// native modules (issue 14, part 1)
import stringBuilder from "./beagle.string-builder.bg" with { type: "text" };
import mutableArray from "./beagle.mutable-array.bg" with { type: "text" };
import osBg from "./beagle.os.bg" with { type: "text" };
import timeBg from "./beagle.time.bg" with { type: "text" };
import randomBg from "./beagle.random.bg" with { type: "text" };
import primitiveBg from "./beagle.primitive.bg" with { type: "text" };
import builtinBg from "./beagle.builtin.bg" with { type: "text" };
import runtimeBg from "./beagle.runtime.bg" with { type: "text" };
import collectionsBg from "./beagle._collections.bg" with { type: "text" };
import reflectBg from "./beagle.reflect.bg" with { type: "text" };
import bigintBg from "./beagle.bigint.bg" with { type: "text" };
import regexBg from "./beagle.regex.bg" with { type: "text" };
import regexWrapperBg from "./beagle.regex-wrapper.bg" with { type: "text" };
import ffiBg from "./beagle.ffi.bg" with { type: "text" };

export const embeddedStdlib: Record<string, string> = {
  "std.bg": std,
  "beagle.effect.bg": effect,
  "beagle.fs.bg": fs,
  "beagle.io.bg": io,
  "beagle.timer.bg": timer,
  "beagle.async.bg": async,
  "beagle.process.bg": processBg,
  "beagle.text.bg": text,
  "beagle.json.bg": json,
  "beagle.socket.bg": socket,
  "beagle.udp.bg": udp,
  "beagle.iter.bg": iter,
  "beagle.path.bg": path,
  "beagle.url.bg": url,
  "beagle.base64.bg": base64,
  "beagle.hex.bg": hex,
  "beagle.containers.bg": containers,
  "beagle.bail.bg": bail,
  "beagle.stats.bg": stats,
  "beagle.mathx.bg": mathx,
  "beagle.ansi.bg": ansi,
  "beagle.priorityqueue.bg": priorityqueue,
  "beagle.csv.bg": csv,
  "beagle.ini.bg": ini,
  "beagle.textwrap.bg": textwrap,
  "beagle.semver.bg": semver,
  "beagle.ip.bg": ip,
  "beagle.date.bg": date,
  "beagle.log.bg": log,
  "beagle.test.bg": test,
  "beagle.glob.bg": glob,
  "beagle.hash.bg": hash,
  "beagle.struct-pack.bg": structPack,
  "beagle.template.bg": template,
  "beagle.cli.bg": cli,
  "beagle.spawn.bg": spawn,
  "beagle.stream.bg": stream,
  "beagle.channel.bg": channel,
  "beagle.test-async.bg": testAsync,
  "beagle.http.bg": http,
  "beagle.ws.bg": ws,
  "beagle.string-builder.bg": stringBuilder,
  "beagle.mutable-array.bg": mutableArray,
  "beagle.os.bg": osBg,
  "beagle.time.bg": timeBg,
  "beagle.random.bg": randomBg,
  "beagle.primitive.bg": primitiveBg,
  "beagle.builtin.bg": builtinBg,
  "beagle.runtime.bg": runtimeBg,
  "beagle._collections.bg": collectionsBg,
  "beagle.reflect.bg": reflectBg,
  "beagle.bigint.bg": bigintBg,
  "beagle.regex.bg": regexBg,
  "beagle.regex-wrapper.bg": regexWrapperBg,
  "beagle.ffi.bg": ffiBg,
};
