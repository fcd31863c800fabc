// A microphone-like recognizeOnce: a 16 kHz 16-bit mono WAV pushed in 100 ms pieces at real-time
// pace, the SDK's recognizing events (interim results) collected:
// node live.mjs ENDPOINT WAV REFERENCE_TEXT [once|continuous]
// Prints one JSON line: {"recognizing": [texts], "reason", "text", "accuracy", "error"}, and in
// continuous mode "recognized": [each phrase's text, in the order the events came].
import fs from "node:fs";
import sdk from "microsoft-cognitiveservices-speech-sdk";

const [endpoint, wav, text, mode = "once"] = process.argv.slice(2);
const speechConfig = sdk.SpeechConfig.fromEndpoint(new URL(endpoint), "none");
speechConfig.speechRecognitionLanguage = "en-US";
// The utterance ends 1 s after the speech rather than the default 5 s.
speechConfig.setProperty(sdk.PropertyId.SpeechServiceConnection_EndSilenceTimeoutMs, "1000");
const stream = sdk.AudioInputStream.createPushStream();
const recognizer = new sdk.SpeechRecognizer(speechConfig, sdk.AudioConfig.fromStreamInput(stream));
new sdk.PronunciationAssessmentConfig(
  text,
  sdk.PronunciationAssessmentGradingSystem.HundredMark,
  sdk.PronunciationAssessmentGranularity.Phoneme,
  true,
).applyTo(recognizer);
const out = { recognizing: [], recognized: [], reason: null, text: null, accuracy: null, error: null };
// In continuous mode each event is tagged with how many phrases came before it.
recognizer.recognizing = (_, e) =>
  out.recognizing.push(mode === "once" ? e.result.text : `${out.recognized.length}:${e.result.text}`);
const file = fs.readFileSync(wav);
const data = file.indexOf("data", 12);
const samples = file.subarray(data + 8, data + 8 + file.readUInt32LE(data + 4));
// The recording, then 2 s of silence, 100 ms (3,200 bytes) every 100 ms.
const audio = Buffer.concat([samples, Buffer.alloc(16000 * 2 * 2)]);
let at = 0;
const timer = setInterval(() => {
  if (at >= audio.length) {
    clearInterval(timer);
    stream.close();
    return;
  }
  const piece = audio.subarray(at, at + 3200);
  stream.write(piece.buffer.slice(piece.byteOffset, piece.byteOffset + piece.length));
  at += 3200;
}, 100);
setTimeout(() => {
  out.error = out.error ?? "timed out";
  console.log(JSON.stringify(out));
  process.exit(1);
}, 60000);
if (mode === "continuous") {
  recognizer.recognized = (_, e) => {
    if (e.result.reason === sdk.ResultReason.RecognizedSpeech) out.recognized.push(e.result.text);
  };
  recognizer.canceled = (_, e) => {
    if (e.reason === sdk.CancellationReason.Error) out.error = e.errorDetails;
  };
  recognizer.sessionStopped = () => {
    recognizer.stopContinuousRecognitionAsync(() => {
      console.log(JSON.stringify(out));
      recognizer.close();
      process.exit(0);
    });
  };
  recognizer.startContinuousRecognitionAsync();
} else recognizer.recognizeOnceAsync(
  (result) => {
    out.reason = sdk.ResultReason[result.reason];
    out.text = result.text;
    if (result.reason === sdk.ResultReason.RecognizedSpeech) {
      out.accuracy = sdk.PronunciationAssessmentResult.fromResult(result).accuracyScore;
    } else if (result.reason === sdk.ResultReason.Canceled) {
      out.error = sdk.CancellationDetails.fromResult(result).errorDetails;
    }
    console.log(JSON.stringify(out));
    recognizer.close();
    process.exit(0);
  },
  (err) => {
    out.error = String(err);
    console.log(JSON.stringify(out));
    process.exit(1);
  },
);
