// One recognizer kept open between two recognitions, as an app keeps it for a session:
// node hold.mjs ENDPOINT WAV REFERENCE_TEXT
// Prints a JSON line after the first recognizeOnceAsync, then waits for a line on standard
// input before the second one on the same recognizer (and connection), prints it and exits.
import fs from "node:fs";
import readline from "node:readline";
import sdk from "microsoft-cognitiveservices-speech-sdk";

const [endpoint, wav, text] = process.argv.slice(2);
const speechConfig = sdk.SpeechConfig.fromEndpoint(new URL(endpoint), "none");
speechConfig.speechRecognitionLanguage = "en-US";
const pa = new sdk.PronunciationAssessmentConfig(
  text,
  sdk.PronunciationAssessmentGradingSystem.HundredMark,
  sdk.PronunciationAssessmentGranularity.Phoneme,
  true,
);
// Push stream: the second recognition reads audio written after the first.
const stream = sdk.AudioInputStream.createPushStream();
const recognizer = new sdk.SpeechRecognizer(speechConfig, sdk.AudioConfig.fromStreamInput(stream));
pa.applyTo(recognizer);
// A 16 kHz 16-bit mono WAV (the push stream's default format): its data chunk.
const file = fs.readFileSync(wav);
const data = file.indexOf("data", 12);
const samples = file.subarray(data + 8, data + 8 + file.readUInt32LE(data + 4));
const once = () =>
  new Promise((resolve) => {
    recognizer.recognizeOnceAsync(
      (result) => {
        const line = { reason: sdk.ResultReason[result.reason], accuracy: null, error: null };
        if (result.reason === sdk.ResultReason.RecognizedSpeech) {
          line.accuracy = sdk.PronunciationAssessmentResult.fromResult(result).accuracyScore;
        } else if (result.reason === sdk.ResultReason.Canceled) {
          line.error = sdk.CancellationDetails.fromResult(result).errorDetails;
        }
        resolve(line);
      },
      (err) => resolve({ reason: "error", accuracy: null, error: String(err) }),
    );
  });
// The recording, then 6 s of silence that end the utterance (endSilenceTimeoutMs is 5000).
const feed = () => {
  stream.write(samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.length));
  stream.write(new ArrayBuffer(16000 * 2 * 6));
};
setTimeout(() => {
  console.log(JSON.stringify({ reason: "timed out" }));
  process.exit(1);
}, 60000);
feed();
console.log(JSON.stringify(await once()));
const input = readline.createInterface({ input: process.stdin });
await new Promise((resolve) => input.once("line", resolve));
feed();
console.log(JSON.stringify(await once()));
recognizer.close();
process.exit(0);
