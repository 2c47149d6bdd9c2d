// Browser interop (issue 8): headless Chromium (fake camera and microphone) against
// `rtcscope serve` over WHIP and WHEP, real UDP inside the network namespace run.sh sets
// up (Chrome ignores loopback for ICE). Both sides' getStats() are compared; our reports
// are written to INTEROP_OUT for `rtcscope verify`. A dashboard screenshot goes to
// INTEROP_SCREENSHOT (for a person to look at; not checked in).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import assert from 'node:assert/strict';
import fs from 'node:fs';

const RTCSCOPE = process.env.RTCSCOPE_BIN ?? '../../target/debug/rtcscope';
const UDP_ADDR = process.env.INTEROP_UDP_ADDR ?? '198.18.0.2';
const SECONDS = Number(process.env.INTEROP_SECONDS ?? 5);
const OUT = process.env.INTEROP_OUT ?? 'interop-result.json';
const SCREENSHOT = process.env.INTEROP_SCREENSHOT ?? 'dashboard.png';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the server --------------------------------------------------------------------
// A debug build encodes H.264 slowly: a small test pattern keeps it real-time.
const VIDEO_SIZE = process.env.INTEROP_VIDEO_SIZE ?? '320x240';
const FPS = process.env.INTEROP_FPS ?? '15';
const server = spawn(RTCSCOPE, ['serve', '--listen', '127.0.0.1:0', '--udp-addr', UDP_ADDR, '--video-size', VIDEO_SIZE, '--fps', FPS], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise((resolve, reject) => {
  const lines = readline.createInterface({ input: server.stdout });
  lines.on('line', (l) => {
    const m = /http:\/\/(\S+)/.exec(l);
    if (m) resolve(`http://${m[1]}`);
  });
  server.once('exit', (code) => reject(new Error(`rtcscope serve exited with ${code}`)));
});
const ourStats = async (location) => {
  const id = location.split('/').pop();
  const r = await fetch(`${base}/api/connections/${id}/stats`);
  assert.equal(r.status, 200, `stats of ${id}`);
  return r.json();
};
const values = (report) => Object.values(report);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-quic', '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required'],
});
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const results = {};

try {
  // ---- WHIP: Chromium publishes camera + mic (H.264 preferred) and a data channel ----
  const pub = await browser.newPage();
  pub.on('console', (m) => console.error('[publish page]', m.text()));
  await pub.goto(`${base}/api/connections`);
  const whip = await pub.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    const pc = new RTCPeerConnection();
    for (const track of stream.getTracks()) {
      const tr = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      if (track.kind === 'video') {
        const codecs = RTCRtpSender.getCapabilities('video').codecs;
        const h264 = codecs.filter((c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine ?? ''));
        const rtx = codecs.filter((c) => c.mimeType === 'video/rtx');
        tr.setCodecPreferences([...h264, ...rtx]);
      }
    }
    const dc = pc.createDataChannel('chat');
    dc.binaryType = 'arraybuffer';
    window.echoed = [];
    window.sentMessages = [];
    dc.onmessage = (e) => window.echoed.push(typeof e.data === 'string' ? e.data : `bin:${new Uint8Array(e.data).join(',')}`);
    dc.onopen = () => {
      window.timer = setInterval(() => {
        const n = window.sentMessages.length;
        if (n >= 30) { clearInterval(window.timer); return; }
        if (n % 5 === 4) {
          const bytes = new Uint8Array([n, 0, 255, n]);
          dc.send(bytes.buffer);
          window.sentMessages.push(`bin:${bytes.join(',')}`);
        } else {
          const text = `ping ${n} ${'x'.repeat(n * 10)}`;
          dc.send(text);
          window.sentMessages.push(text);
        }
      }, 100);
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      setTimeout(resolve, 3000);
    });
    const r = await fetch('/whip', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription.sdp });
    if (r.status !== 201) throw new Error(`POST /whip: ${r.status} ${await r.text()}`);
    const location = r.headers.get('location');
    await pc.setRemoteDescription({ type: 'answer', sdp: await r.text() });
    await new Promise((resolve, reject) => {
      if (pc.connectionState === 'connected') resolve();
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'connected') resolve();
        if (pc.connectionState === 'failed') reject(new Error('WHIP connection failed'));
      };
      setTimeout(() => reject(new Error(`WHIP not connected after 10 s: ${pc.connectionState}`)), 10000);
    });
    window.pc = pc;
    return { location };
  });
  check(/^\/whip\/\S+$/.test(whip.location), `WHIP Location ${whip.location}`);

  // The dashboard, with the live published connection (second tab).
  await sleep(SECONDS * 1000);
  const dash = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await dash.goto(`${base}/`);
  await dash.waitForFunction(() => /packetsReceived: [1-9]/.test(document.querySelector('.stats-box')?.textContent ?? ''), null, { timeout: 10000 })
    .catch(() => {});
  const box = await dash.evaluate(() => document.querySelector('.stats-box')?.textContent ?? '');
  const boxValue = (name) => Number((new RegExp(`^${name}: (\\S+)$`, 'm').exec(box) ?? [])[1]);
  check(/^type: inbound-rtp$/m.test(box) && /^kind: video$/m.test(box) && boxValue('packetsReceived') > 0 && boxValue('bytesReceived') > 0,
    `dashboard stats box shows inbound-rtp video: packetsReceived ${boxValue('packetsReceived')}, bytesReceived ${boxValue('bytesReceived')}, jitter ${boxValue('jitter')}`);
  await dash.close();

  // While live: how fast Chrome's bandwidth estimate lets it send (our TWCC/REMB feedback).
  const live = await pub.evaluate(async () => [...(await window.pc.getStats()).values()]);
  const liveVideo = live.find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
  const livePair = live.find((s) => s.type === 'candidate-pair' && s.nominated);
  console.log(`     (Chrome video while live: targetBitrate ${liveVideo?.targetBitrate}, ${liveVideo?.frameWidth}x${liveVideo?.frameHeight} at ${liveVideo?.framesPerSecond} fps, qualityLimitationReason ${liveVideo?.qualityLimitationReason}; availableOutgoingBitrate ${livePair?.availableOutgoingBitrate})`);
  // Stop the media so both sides count a frozen total, let the last packets and
  // reports arrive, then sample both.
  await pub.evaluate(async () => {
    for (const s of window.pc.getSenders()) await s.replaceTrack(null);
  });
  await sleep(1500);
  const chromeWhip = await pub.evaluate(async () => {
    const r = await window.pc.getStats();
    return { report: [...r.values()], echoed: window.echoed, sent: window.sentMessages };
  });
  const oursWhip = await ourStats(whip.location);
  results.whip = oursWhip;

  for (const out of chromeWhip.report.filter((s) => s.type === 'outbound-rtp')) {
    const inbound = values(oursWhip).find((s) => s.type === 'inbound-rtp' && s.ssrc === out.ssrc);
    if (!inbound) { check(false, `WHIP: our inbound-rtp for Chrome's ${out.kind} ssrc ${out.ssrc}`); continue; }
    const ratio = inbound.packetsReceived / out.packetsSent;
    // Chrome's first packets can precede our SRTP keys; its RTX probes count as duplicates.
    check(ratio > 0.95 && ratio <= 1.0,
      `WHIP ${out.kind}: Chrome packetsSent ${out.packetsSent}, our packetsReceived ${inbound.packetsReceived} (${(ratio * 100).toFixed(2)} %), packetsLost ${inbound.packetsLost}, codec ${chromeWhip.report.find((s) => s.id === out.codecId)?.mimeType}`);
    console.log(`     (Chrome retransmittedPacketsSent ${out.retransmittedPacketsSent}, nackCount ${out.nackCount}; our nackCount ${inbound.nackCount}, retransmittedPacketsReceived ${inbound.retransmittedPacketsReceived})`);
    if (out.kind === 'video') {
      check(inbound.framesDecoded > 0 && inbound.frameWidth === out.frameWidth && inbound.frameHeight === out.frameHeight,
        `WHIP video: we decode Chrome's H.264 at its size: framesDecoded ${inbound.framesDecoded} (Chrome framesEncoded ${out.framesEncoded}), ${inbound.frameWidth}x${inbound.frameHeight} (Chrome ${out.frameWidth}x${out.frameHeight})`);
    }
    const remoteOut = values(oursWhip).find((s) => s.type === 'remote-outbound-rtp' && s.ssrc === out.ssrc);
    check(remoteOut && remoteOut.packetsSent > 0,
      `WHIP ${out.kind}: our remote-outbound-rtp (from Chrome's SRs) packetsSent ${remoteOut?.packetsSent}`);
  }
  for (const ri of chromeWhip.report.filter((s) => s.type === 'remote-inbound-rtp')) {
    check(typeof ri.roundTripTime === 'number',
      `WHIP ${ri.kind}: Chrome's remote-inbound-rtp (from our RRs) roundTripTime ${ri.roundTripTime} s, packetsLost ${ri.packetsLost}`);
  }
  check(chromeWhip.report.filter((s) => s.type === 'remote-inbound-rtp').length === 2, 'WHIP: Chrome has remote-inbound-rtp for audio and video');
  const fingerprint = (report, side) => {
    const transport = report.find((s) => s.type === 'transport');
    return report.find((s) => s.id === transport?.[`${side}CertificateId`])?.fingerprint?.toUpperCase();
  };
  const ourFp = (side) => fingerprint(values(oursWhip), side);
  check(ourFp('remote') && ourFp('remote') === fingerprint(chromeWhip.report, 'local'),
    `certificates: our remote ${ourFp('remote')} = Chrome's local`);
  check(ourFp('local') && ourFp('local') === fingerprint(chromeWhip.report, 'remote'),
    `certificates: our local ${ourFp('local')} = Chrome's remote`);
  check(chromeWhip.sent.length === 30 && JSON.stringify(chromeWhip.echoed) === JSON.stringify(chromeWhip.sent),
    `data channel: sent ${chromeWhip.sent.length} (6 binary), echoed ${chromeWhip.echoed.length} identical, in order`);
  const del = await fetch(`${base}${whip.location}`, { method: 'DELETE' });
  check(del.status === 200 || del.status === 204, `DELETE ${whip.location}: ${del.status}`);
  await pub.close();

  // ---- WHEP: Chromium plays what we send ---------------------------------------------
  const play = await browser.newPage();
  play.on('console', (m) => console.error('[play page]', m.text()));
  await play.goto(`${base}/api/connections`);
  const whep = await play.evaluate(async () => {
    const pc = new RTCPeerConnection();
    // Chrome decodes received audio only when something plays it out.
    pc.ontrack = (e) => {
      const element = document.createElement(e.track.kind);
      element.srcObject = new MediaStream([e.track]);
      element.autoplay = true;
      element.muted = false;
      document.body.append(element);
      element.play().catch((err) => console.log(`play(): ${err}`));
    };
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const video = pc.addTransceiver('video', { direction: 'recvonly' });
    const codecs = RTCRtpReceiver.getCapabilities('video').codecs;
    video.setCodecPreferences([
      ...codecs.filter((c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine ?? '')),
      ...codecs.filter((c) => c.mimeType === 'video/rtx')]);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      setTimeout(resolve, 3000);
    });
    const r = await fetch('/whep', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription.sdp });
    if (r.status !== 201) throw new Error(`POST /whep: ${r.status} ${await r.text()}`);
    const location = r.headers.get('location');
    await pc.setRemoteDescription({ type: 'answer', sdp: await r.text() });
    await new Promise((resolve, reject) => {
      if (pc.connectionState === 'connected') resolve();
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'connected') resolve();
        if (pc.connectionState === 'failed') reject(new Error('WHEP connection failed'));
      };
      setTimeout(() => reject(new Error(`WHEP not connected after 10 s: ${pc.connectionState}`)), 10000);
    });
    window.pc = pc;
    return { location };
  });
  check(/^\/whep\/\S+$/.test(whep.location), `WHEP Location ${whep.location}`);
  // Concealment is judged in steady state: from 1 s after connecting to the end.
  await sleep(1000);
  const chromeStart = await play.evaluate(async () => [...(await window.pc.getStats()).values()]);
  await sleep(SECONDS * 1000);
  // Sampled together: we keep sending, so the two counts are some ms apart.
  const [chromeWhep, oursWhep] = await Promise.all([
    play.evaluate(async () => [...(await window.pc.getStats()).values()]),
    ourStats(whep.location),
  ]);
  results.whep = oursWhep;
  for (const out of values(oursWhep).filter((s) => s.type === 'outbound-rtp')) {
    const inbound = chromeWhep.find((s) => s.type === 'inbound-rtp' && s.ssrc === out.ssrc);
    if (!inbound) { check(false, `WHEP: Chrome's inbound-rtp for our ${out.kind} ssrc ${out.ssrc}`); continue; }
    const ratio = inbound.packetsReceived / out.packetsSent;
    check(ratio > 0.97 && ratio < 1.03,
      `WHEP ${out.kind}: our packetsSent ${out.packetsSent}, Chrome packetsReceived ${inbound.packetsReceived} (${(ratio * 100).toFixed(2)} %), packetsLost ${inbound.packetsLost}`);
    if (out.kind === 'video') {
      check(inbound.framesDecoded > 0 && inbound.framesDecoded >= 0.9 * out.framesSent
          && inbound.frameWidth === out.frameWidth && inbound.frameHeight === out.frameHeight,
        `WHEP video: Chrome decodes our H.264: framesDecoded ${inbound.framesDecoded} of our framesSent ${out.framesSent}, ${inbound.frameWidth}x${inbound.frameHeight} (ours ${out.frameWidth}x${out.frameHeight}, --video-size ${VIDEO_SIZE}), keyFramesDecoded ${inbound.keyFramesDecoded}, framesDropped ${inbound.framesDropped}`);
    } else {
      const start = chromeStart.find((s) => s.type === 'inbound-rtp' && s.ssrc === out.ssrc) ?? {};
      const samples = inbound.totalSamplesReceived - (start.totalSamplesReceived ?? 0);
      const concealed = (inbound.concealedSamples - (start.concealedSamples ?? 0)) / samples;
      check(samples > 0 && concealed < 0.05,
        `WHEP audio: Chrome decodes our Opus: totalSamplesReceived ${inbound.totalSamplesReceived}, concealedSamples ${inbound.concealedSamples}; in the last ${SECONDS} s ${samples} samples, ${(100 * concealed).toFixed(2)} % concealed; totalAudioEnergy ${inbound.totalAudioEnergy}`);
    }
    const ri = values(oursWhep).find((s) => s.type === 'remote-inbound-rtp' && s.ssrc === out.ssrc);
    check(ri && typeof ri.roundTripTime === 'number',
      `WHEP ${out.kind}: our remote-inbound-rtp (from Chrome's RRs) roundTripTime ${ri?.roundTripTime} s`);
  }
  check(values(oursWhep).filter((s) => s.type === 'outbound-rtp').length === 2, 'WHEP: we send audio and video');
  const delWhep = await fetch(`${base}${whep.location}`, { method: 'DELETE' });
  check(delWhep.status === 200 || delWhep.status === 204, `DELETE ${whep.location}: ${delWhep.status}`);
  await play.close();

  // ---- The user's flow: the server's own pages, /publish and / in two tabs, /play ----
  const camera = await browser.newPage();
  camera.on('console', (m) => console.error('[/publish]', m.text()));
  await camera.goto(`${base}/publish?autostart`);
  const board = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await board.goto(`${base}/`);
  // The box of the (only) WHIP connection, whatever else is live.
  const whipBox = () => [...document.querySelectorAll('section.connection')]
    .find((s) => s.querySelector('h2')?.textContent.startsWith('WHIP'))?.querySelector('.stats-box')?.textContent ?? '';
  await board.waitForFunction(`/^framesDecoded: [1-9]/m.test((${whipBox})())`, null, { timeout: 15000 })
    .catch(() => {});
  await sleep(4000); // a few graph points
  const shown = { box: await board.evaluate(whipBox) };
  const shownValue = (name) => Number((new RegExp(`^${name}: (\\S+)$`, 'm').exec(shown.box) ?? [])[1]);
  check(/^type: inbound-rtp$/m.test(shown.box) && shownValue('framesDecoded') > 0 && shownValue('frameWidth') > 0,
    `/ shows the connection /publish made: inbound-rtp video framesDecoded ${shownValue('framesDecoded')}, ${shownValue('frameWidth')}x${shownValue('frameHeight')}, packetsReceived ${shownValue('packetsReceived')}`);
  await board.screenshot({ path: SCREENSHOT, fullPage: true });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const framesMetric = /^rtcscope_frames_decoded_total\{connection="(whip\d+)",[^}]*kind="video"[^}]*\} (\d+)$/m.exec(metrics);
  check(framesMetric && Number(framesMetric[2]) > 0 && /^# TYPE rtcscope_packets_received_total counter$/m.test(metrics),
    `/metrics: rtcscope_frames_decoded_total of ${framesMetric?.[1]} = ${framesMetric?.[2]}`);
  const player = await browser.newPage();
  player.on('console', (m) => console.error('[/play]', m.text()));
  await player.goto(`${base}/play?autostart`);
  await player.waitForFunction(() => (document.getElementById('player')?.currentTime ?? 0) > 2, null, { timeout: 15000 })
    .catch(() => {});
  const playing = await player.evaluate(() => {
    const v = document.getElementById('player');
    return { width: v.videoWidth, height: v.videoHeight, time: v.currentTime };
  });
  check(playing.width > 0 && playing.time > 2, `/play shows our test pattern: ${playing.width}x${playing.height}, currentTime ${playing.time.toFixed(1)} s`);
  await Promise.all([camera.close(), board.close(), player.close()]);
} catch (e) {
  check(false, `exception: ${e.stack ?? e}`);
} finally {
  fs.writeFileSync(OUT, JSON.stringify(results, null, 1));
  await browser.close();
  server.kill('SIGINT');
}
if (failures.length) {
  console.log(`interop: ${failures.length} FAILED`);
  process.exit(1);
}
console.log('interop: PASS');
