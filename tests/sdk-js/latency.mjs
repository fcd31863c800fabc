// Time recognizeOnceAsync through elocute serve with the Speech SDK for JavaScript, one request
// after another on new recognizers, as an app assessing recordings would:
//   node latency.mjs ENDPOINT WAV REFERENCE_TEXT [RUNS]
// Prints the milliseconds from recognizeOnceAsync to its result (connect, stream the file, assess,
// answer): median, 90th percentile, min, max, and the audio length.
import fs from "node:fs";
import sdk from "microsoft-cognitiveservices-speech-sdk";

const [endpoint, wav, text, runs = "20"] = process.argv.slice(2);
const bytes = fs.readFileSync(wav);
const once = () =>
  new Promise((resolve, reject) => {
    const speechConfig = sdk.SpeechConfig.fromEndpoint(new URL(endpoint), "none");
    speechConfig.speechRecognitionLanguage = "en-US";
    const recognizer = new sdk.SpeechRecognizer(speechConfig, sdk.AudioConfig.fromWavFileInput(bytes));
    new sdk.PronunciationAssessmentConfig(
      text,
      sdk.PronunciationAssessmentGradingSystem.HundredMark,
      sdk.PronunciationAssessmentGranularity.Phoneme,
      true,
    ).applyTo(recognizer);
    const t0 = performance.now();
    recognizer.recognizeOnceAsync(
      (result) => {
        const ms = performance.now() - t0;
        recognizer.close();
        if (result.reason !== sdk.ResultReason.RecognizedSpeech) reject(new Error(String(result.errorDetails)));
        else resolve(ms);
      },
      (err) => reject(new Error(String(err))),
    );
  });
const times = [];
await once(); // warm-up: the first connection also loads nothing on the server, but node JITs
for (let i = 0; i < Number(runs); i++) times.push(await once());
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
const seconds = (bytes.length - 44) / (bytes.readUInt32LE(28));
console.log(JSON.stringify({
  runs: times.length, audio_seconds: Number(seconds.toFixed(2)),
  median_ms: Number(q(0.5).toFixed(1)), p90_ms: Number(q(0.9).toFixed(1)),
  min_ms: Number(times[0].toFixed(1)), max_ms: Number(times[times.length - 1].toFixed(1)),
}));
process.exit(0);
