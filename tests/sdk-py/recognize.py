"""Assess a WAV file through `elocute serve` with the Speech SDK for Python, as an app would
against the cloud (or a Speech container):
python recognize.py HOST WAV REFERENCE_TEXT [once|continuous] [KEY] [PROPERTIES]
PROPERTIES: JSON of SDK PropertyId names and values, e.g. {"Speech_SegmentationSilenceTimeoutMs": "500"}
(a name that is no PropertyId is set by name, e.g. OPENSSL_SINGLE_TRUSTED_CERT).

HOST is ws://127.0.0.1:PORT (or wss:// for a server with --tls-cert). Prints one JSON line: {"reason", "phrases": [the SDK's JSON result
of each recognized phrase], "scores": [PronunciationAssessmentResult of each], "error"}, the same
shape as ../sdk-js/recognize.mjs.
"""
import json
import sys
import threading

import azure.cognitiveservices.speech as speechsdk


def main():
    host, wav, text = sys.argv[1:4]
    mode = sys.argv[4] if len(sys.argv) > 4 else "once"
    key = sys.argv[5] if len(sys.argv) > 5 else "none"
    properties = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
    config = speechsdk.SpeechConfig(host=host, subscription=key)
    for name, value in properties.items():
        if name in speechsdk.PropertyId.__members__:
            config.set_property(speechsdk.PropertyId[name], value)
        else:  # a property the SDK knows by name only, e.g. OPENSSL_SINGLE_TRUSTED_CERT
            config.set_property_by_name(name, value)
    config.speech_recognition_language = "en-US"
    recognizer = speechsdk.SpeechRecognizer(
        speech_config=config, audio_config=speechsdk.audio.AudioConfig(filename=wav))
    pa = speechsdk.PronunciationAssessmentConfig(
        reference_text=text,
        grading_system=speechsdk.PronunciationAssessmentGradingSystem.HundredMark,
        granularity=speechsdk.PronunciationAssessmentGranularity.Phoneme,
        enable_miscue=True)
    pa.enable_prosody_assessment()
    pa.apply_to(recognizer)
    out = {"reason": None, "phrases": [], "scores": [], "error": None}

    def take(result):
        out["reason"] = result.reason.name
        if result.reason == speechsdk.ResultReason.RecognizedSpeech:
            out["phrases"].append(json.loads(
                result.properties.get(speechsdk.PropertyId.SpeechServiceResponse_JsonResult)))
            s = speechsdk.PronunciationAssessmentResult(result)
            out["scores"].append({
                "accuracy": s.accuracy_score, "fluency": s.fluency_score,
                "completeness": s.completeness_score, "prosody": s.prosody_score,
                "pron": s.pronunciation_score, "text": result.text})
        elif result.reason == speechsdk.ResultReason.Canceled:
            out["error"] = result.cancellation_details.error_details

    if mode == "once":
        take(recognizer.recognize_once())
    else:
        done = threading.Event()
        recognizer.recognized.connect(lambda e: take(e.result))

        def canceled(e):
            if e.reason == speechsdk.CancellationReason.Error:
                out["error"] = e.error_details
            done.set()

        recognizer.canceled.connect(canceled)
        recognizer.session_stopped.connect(lambda e: done.set())
        recognizer.start_continuous_recognition()
        if not done.wait(60):
            out["error"] = out["error"] or "timed out"
        recognizer.stop_continuous_recognition()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
