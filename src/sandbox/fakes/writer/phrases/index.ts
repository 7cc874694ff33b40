import type { SupportedLanguage } from '../language';
import { DE } from './de';
import { EN } from './en';
import { ES } from './es';
import { FR } from './fr';
import { IT } from './it';
import { NL } from './nl';
import type { Phrases } from './types';

export type { Phrases, PolicyName, Tone } from './types';

export const PHRASES: Record<SupportedLanguage, Phrases> = { en: EN, fr: FR, de: DE, es: ES, it: IT, nl: NL };
