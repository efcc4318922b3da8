/**
 * What `npm run demo` writes: the seed cases of DOMAIN.md in the words of the seeds
 * (shared/seeds, Kela's "Asiakasesimerkit"). The people, organisations and texts are
 * invented for the demo; nothing here is a real person.
 */

/** One organisation of the demo. */
export interface DemoOrganisationSpec {
  readonly key: 'kela' | 'county';
  readonly name: string;
}

/** One person of the demo: the profile name is the name the agent's lock screen lists (any human name). */
export interface DemoPersonSpec {
  readonly key: 'kela' | 'social' | 'health' | 'client';
  readonly profile: string;
  readonly displayName: string;
  /** undefined for the client, who comes in by invitation */
  readonly org?: DemoOrganisationSpec['key'];
  readonly role: 'kela_expert' | 'social_worker' | 'health_professional' | 'client';
  /** how the printout introduces them */
  readonly title: string;
}

export const ORGANISATIONS: readonly DemoOrganisationSpec[] = [
  { key: 'kela', name: 'Kela' },
  { key: 'county', name: 'Pirkanmaan hyvinvointialue' },
];

export const PEOPLE: readonly DemoPersonSpec[] = [
  { key: 'kela', profile: 'Maija Laine', displayName: 'Maija Laine', org: 'kela', role: 'kela_expert', title: 'Kelan moniammatillisen palvelun asiantuntija' },
  { key: 'social', profile: 'Sanna Virtanen', displayName: 'Sanna Virtanen', org: 'county', role: 'social_worker', title: 'sosiaaliohjaaja, Pirkanmaan hyvinvointialue' },
  { key: 'health', profile: 'Tero Hämäläinen', displayName: 'Tero Hämäläinen', org: 'county', role: 'health_professional', title: 'terveydenhoitaja, Pirkanmaan hyvinvointialue' },
  { key: 'client', profile: 'Jani', displayName: 'Jani', role: 'client', title: 'asiakas' },
];

/** The case with the client: "24-vuotias nuori, jolla ei ole ammatillista koulutusta". */
export const CASE_LABEL = 'Jani, 24 v';
/** The consultation without the client: "19-vuotias nuori, opinnot keskeytyneet". */
export const CONSULTATION_LABEL = '19-vuotias, opinnot keskeytyneet';

/** The purpose the client gives his consent for. */
export const CONSENT_PURPOSE = 'Yhteinen asiakassuunnitelma: toimeentulo, terveydentilan selvittäminen ja kuntoutus';

/** The plan's sections (the template's headings) with the case's text under each. */
export const PLAN_SECTIONS: readonly { readonly heading: string; readonly paragraphs: readonly string[] }[] = [
  {
    heading: 'Asiakkaan tilanne omin sanoin',
    paragraphs: [
      'Minulla on ollut vaikea lähteä kotoa. Olen hakenut perustoimeentulotukea yli puolitoista vuotta, kun tuloja ei ole ollut. TE-toimiston ajat ovat jääneet väliin.',
      'Haluaisin päästä johonkin säännölliseen toimintaan ja myöhemmin opiskelemaan.',
    ],
  },
  {
    heading: 'Palvelutarve',
    paragraphs: [
      '24-vuotias, ei ammatillista koulutusta. Työnhaku voimassa, työvoimapoliittinen lausunto K7. Aktivointisuunnitelma laadittu, mutta umpeutumassa; uutta aikaa ei ole varattu.',
      'Tarve selvittää terveydentila terveydenhuollossa, jonka jälkeen arvioidaan ammatillisen kuntoutuksen tai kuntouttavan työtoiminnan tarve.',
    ],
  },
  {
    heading: 'Haettavat ensisijaiset etuudet',
    paragraphs: ['Perustoimeentulotuki jatkuu kuukauden päätöksin. Terveydentilan selvityksen jälkeen arvioidaan Kelan ammatillinen kuntoutus ja kuntoutusraha.'],
  },
  {
    heading: 'Sovitut toimenpiteet',
    paragraphs: ['Sovitut toimenpiteet, vastuuhenkilöt ja määräajat ovat alla olevassa taulukossa.'],
  },
  {
    heading: 'Seuranta',
    paragraphs: ['Sosiaaliohjaaja seuraa suunnitelman toteutumista. Yhteinen tilannekatsaus kuukauden kuluttua.'],
  },
  {
    heading: 'Nivelvaiheet',
    paragraphs: ['Aktivointisuunnitelma umpeutuu: uusi aika TE-palveluihin. Ammatilliseen kuntoutukseen siirryttäessä sosiaaliohjaaja on asiakkaan kanssa yhteydessä Kelaan.'],
  },
];

/** Agreed actions: what, whose (a person key), due in how many days, status. */
export const PLAN_ACTIONS: readonly { readonly what: string; readonly owner: DemoPersonSpec['key']; readonly dueInDays: number; readonly status: 'planned' | 'in_progress' | 'done' }[] = [
  { what: 'Varataan aika terveydenhuoltoon, tavoitteena lähete MTT:lle', owner: 'social', dueInDays: 7, status: 'in_progress' },
  { what: 'Terveydentilan selvitys ja lähete', owner: 'health', dueInDays: 30, status: 'planned' },
  { what: 'Kuntouttava työtoiminta 1 krt/vko arjenhallinnan tueksi', owner: 'social', dueInDays: 14, status: 'planned' },
  { what: 'Perustoimeentulotuen jatkopäätös; perusosaa ei alenneta, kun suunnitelmaa toteutetaan', owner: 'kela', dueInDays: 10, status: 'planned' },
  { what: 'Käyn sovitussa terveydenhuollon ajassa', owner: 'client', dueInDays: 21, status: 'planned' },
];

/** The chat of the case, in order: who says what. */
export const CASE_CHAT: readonly { readonly from: DemoPersonSpec['key']; readonly text: string }[] = [
  { from: 'social', text: 'Hei kaikki! Perustin Janin kanssa yhteisen suunnitelman. Liitteenä nykyinen aktivointisuunnitelma, joka on umpeutumassa.' },
  { from: 'kela', text: 'Kiitos. Kelassa on ollut huoli, kun Janiin ei ole saatu yhteyttä kuulemisen jälkeen. Perusosan alentamista ei jatketa, kun suunnitelma etenee.' },
  { from: 'health', text: 'Minulla on vapaa aika ensi viikon tiistaina klo 10. Sopiiko se, Jani?' },
  { from: 'client', text: 'Sopii. Tulen paikalle.' },
];

/** The attachment of the first chat message. */
export const CASE_ATTACHMENT = {
  name: 'aktivointisuunnitelma.txt',
  type: 'text/plain',
  text: [
    'Aktivointisuunnitelma (tiivistelmä)',
    '',
    'Tavoite: säännöllinen päivärytmi ja polku kohti koulutusta.',
    'Toimenpiteet: kuntouttava työtoiminta, terveydentilan selvitys.',
    'Voimassa: kuukauden kuluttua päättyvä jakso.',
    '',
  ].join('\n'),
} as const;

/** Kela's information request (lisäselvityspyyntö) to the wellbeing services county. */
export const CASE_REQUEST = {
  subject: 'Lisäselvityspyyntö: aktivointisuunnitelma ja sosiaalihuollon asiakkuus',
  question: 'Onko asiakkaalle laadittu aktivointisuunnitelma, ja onko hänellä voimassa oleva sosiaalihuollon asiakkuus?\nMitä palveluja hänelle on suunniteltu?',
  reason: 'Perustoimeentulotuen jatkohakemuksen käsittely ja perusosan alentamisen harkinta: asiakasta ei ole tavoitettu Kelasta kuulemisen jälkeen.',
  dueInDays: 14,
} as const;

/** Social care's statement (lausunto) answering it. */
export const CASE_STATEMENT = {
  content: 'Asiakkaalle on laadittu aktivointisuunnitelma, joka on umpeutumassa (liitteenä). Sosiaalihuollon asiakkuus on voimassa, ja asiakkaalle on myönnetty sosiaaliohjaus.\nSuunnitelmana on terveydentilan selvittäminen terveydenhuollossa ja kuntouttava työtoiminta kerran viikossa.',
  reasons: 'Sosiaaliohjaajan tapaaminen asiakkaan kanssa ja yhteispuhelu Kelan moniammatillisen palvelun asiantuntijan kanssa.',
} as const;

/** The network meeting (verkostoneuvottelu) held two hours before the demo starts. */
export const CASE_MEETING = {
  title: 'Verkostoneuvottelu',
  place: 'Sosiaalipalvelut, Tampere',
  agenda: ['Tilannekatsaus: toimeentulo ja aktivointisuunnitelma', 'Terveydentilan selvittäminen', 'Kuntouttava työtoiminta ja seuraava tapaaminen'],
  decision: 'Terveydentila selvitetään ennen ammatillisen kuntoutuksen arviointia; lähete MTT:lle.',
} as const;

/** The transition point (nivelvaihe) ahead: the activation plan ends. */
export const CASE_TRANSITION = {
  description: 'Aktivointisuunnitelma umpeutuu: uusi suunnitelma TE-palveluissa',
  inDays: 30,
} as const;

/** The consultation's chat: professionals only. */
export const CONSULTATION_CHAT: readonly { readonly from: DemoPersonSpec['key']; readonly text: string }[] = [
  { from: 'kela', text: 'Konsultaatio: 19-vuotias, opinnot keskeytyneet terveydellisistä syistä, sairauspäivärahalle ei jatkoa. Onko hän sosiaalihuollon jälkihuollon asiakas?' },
  { from: 'social', text: 'On, jälkihuollon asiakkuus on voimassa. Laaditaan yhteinen suunnitelma taloudenhallinnasta; sosiaalinen kuntoutus on haettavana.' },
];
